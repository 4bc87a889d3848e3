"""`qbsync connection add|list|test|rotate-key`: source credentials in the encrypted connection store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from warehouse.config import migrated_warehouse

app = typer.Typer(no_args_is_help=True, help="Source connections: settings in clear, secrets encrypted.")


def read_secrets(text: str, names: tuple[str, ...]) -> dict[str, str]:
    """Secrets from `name=value` lines; a source with one secret also takes its bare value on the first line."""
    found: dict[str, str] = {}
    lines = [line.rstrip("\r") for line in text.splitlines() if line.strip()]
    for line in lines:
        name, sep, value = line.partition("=")
        if sep and name.strip() in names:
            found[name.strip()] = value
    if not found and len(names) == 1 and lines:
        found[names[0]] = lines[0]
    return found


@app.command("add")
def add(
    source: Annotated[str, typer.Argument(help="Source system (its declared name, lower case)")],
    instance: str = typer.Option(..., "--instance", help="Your name for this instance, e.g. acme-prod"),
    setting: Annotated[
        list[str] | None, typer.Option("--set", help="A setting as name=value, e.g. base_url=https://acme.example.com")
    ] = None,
    secrets_file: Annotated[
        Path | None, typer.Option("--secrets-file", help="Read the secrets from this file instead of stdin")
    ] = None,
) -> None:
    """Store a connection. Secrets come from standard input (or --secrets-file) as name=value lines, never from
    the command line; for a source with one secret the bare value is enough."""
    from warehouse import connections

    try:
        spec = connections.fields_of(source)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    settings = dict(s.partition("=")[::2] for s in setting or [])
    known = (*spec.settings, *spec.options)
    unknown = sorted(set(settings) - set(known))
    if unknown:
        typer.echo(f"{source} has no setting {', '.join(unknown)}; its settings: {', '.join(known)}", err=True)
        raise typer.Exit(1)
    text = secrets_file.read_text() if secrets_file else sys.stdin.read()
    secrets = read_secrets(text, spec.secrets)
    try:
        with migrated_warehouse().connect() as conn:
            connections.save(conn, source, instance, settings, secrets)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{source} connection {instance} saved; its secrets are encrypted ({', '.join(spec.secrets)})")


@app.command("list")
def list_connections() -> None:
    """Stored connections with their settings (secrets are never shown)."""
    from warehouse import connections

    wh = migrated_warehouse()
    with wh.connect() as conn:
        rows = connections.list_all(conn)
    if rows:
        typer.echo("source\tinstance\tsettings\tsecrets\tupdated")
    for c in rows:
        shown = " ".join(f"{k}={v}" for k, v in sorted(c.settings.items()))
        typer.echo(
            f"{c.source_system}\t{c.instance}\t{shown}\tsecrets: encrypted\tupdated {c.updated_at:%Y-%m-%d %H:%M}"
        )
    if not rows:
        typer.echo(
            f"no connections yet in {wh.describe()}: qbsync connection add SOURCE --instance NAME --set base_url=... "
            "< secrets"
        )


@app.command("test")
def test(
    instance: Annotated[str, typer.Argument(help="The connection's instance name")],
    source: str = typer.Option("", "--source", help="Source system, when two sources share the instance name"),
) -> None:
    """Get a token and make one cheap read; say in plain words what works and what does not (exit 1 if not)."""
    from sources import registry
    from warehouse import connections

    wh = migrated_warehouse()
    with wh.connect() as conn:
        stored = [c.source_system for c in connections.list_all(conn) if c.instance == instance]
        sources = [source] if source else stored or registry.names()  # none stored: the environment may hold it
        if len(sources) > 1:
            what = f"{instance} names connections of" if stored else f"no connection {instance} is stored; sources:"
            typer.echo(f"{what} {', '.join(sources)}: pick one with --source", err=True)
            raise typer.Exit(1)
        try:
            found = connections.resolve(conn, sources[0], instance, connections.env_values(sources[0]))
        except (connections.ConnectionMissing, connections.UndecryptableSecret, ValueError) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    client_class = registry.client_class(found.source_system)
    base_url, client_id, secret = (found.value(n) for n in ("base_url", "client_id", "client_secret"))
    with client_class(base_url, client_id, secret, **connections.stored_options(found)) as client:
        steps = client.check()
    for step, ok, text in steps:
        typer.echo(f"{'ok  ' if ok else 'FAIL'} {step}: {text}")
    if not all(ok for _, ok, _ in steps):
        raise typer.Exit(1)
    typer.echo(f"{found.source_system} connection {instance} works")


@app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored secret under a new key and retire the old one (see README, Security)."""
    from warehouse import connections, keys

    wh = migrated_warehouse()
    try:
        count = connections.rotate_key(wh.connect)
    except connections.UndecryptableSecret as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    where = keys.KEY_ENV + " (its first key)" if keys.using_env() else str(keys.key_file())
    typer.echo(f"{count} connection(s) re-encrypted under the new key in {where}")
    if keys.using_env():
        typer.echo(f"the other keys in {keys.KEY_ENV} can now be removed")
    typer.echo("open Web Connector sessions end; the next scheduled run authenticates again")
