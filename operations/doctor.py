"""`qbsync doctor`: which warehouse, which settings (no secret values), which companies and sources, who answers."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sources import registry
from warehouse import config
from warehouse.errors import OperatorError

SECRET_MARKS = ("SECRET", "PASSWORD", "KEY")  # a variable whose name holds one of these is shown as "set", never read


@dataclass(frozen=True)
class Finding:
    """One line of the diagnosis: its topic, whether it is fine, and what it says."""

    topic: str
    ok: bool
    text: str


def dotenv_file(folder: Path | None = None) -> Path:
    """The .env that `dagster dev` started in `folder` (default: here) loads over the exported variables."""
    return (folder or Path.cwd()) / ".env"


def read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values  # python-dotenv comes with Dagster, which reads .env with it

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def watched_names(environ: Mapping[str, str], dotenv: Mapping[str, str]) -> list[str]:
    """qbsync's variables that are set here or in .env: QBSYNC_*, DAGSTER_HOME and every source's own."""
    own = {name for source in registry.all_sources() for name in source.env.values()}
    present = set(environ) | set(dotenv)
    return sorted(n for n in present if n.startswith("QBSYNC_") or n == "DAGSTER_HOME" or n in own)


def shown(name: str, value: str) -> str:
    """A variable's value as doctor prints it: secrets only as set or empty."""
    if any(mark in name for mark in SECRET_MARKS):
        return "(set, hidden)" if value else "(empty)"
    return value if value else "(empty)"


def variables(environ: Mapping[str, str], dotenv: Mapping[str, str], dotenv_path: Path) -> list[Finding]:
    """Each variable with where it comes from; a clash between .env and the exported value says who wins where."""
    found = []
    for name in watched_names(environ, dotenv):
        here, there = environ.get(name), dotenv.get(name)
        if there is None:
            found.append(Finding("variable", True, f"{name}={shown(name, here or '')} (exported)"))
        elif here is None:
            found.append(Finding("variable", True, f"{name}={shown(name, there)} (.env: dagster dev only)"))
        elif here == there:
            found.append(Finding("variable", True, f"{name}={shown(name, here)} (exported and .env agree)"))
        else:
            found.append(
                Finding(
                    "variable",
                    False,
                    f"{name}: .env says {shown(name, there)}, exported {shown(name, here)}; dagster dev started in "
                    f"{dotenv_path.parent} takes .env's, qbsync commands the exported one: make them agree",
                )
            )
    return found


def warehouse_choice(environ: Mapping[str, str]) -> str:
    """Why this warehouse: the variable that chose it, or the per-user default."""
    if environ.get("QBSYNC_DATABASE_URL", "").strip():
        return "from QBSYNC_DATABASE_URL"
    if environ.get("QBSYNC_HOME", "").strip():
        return "the DuckDB file in QBSYNC_HOME"
    return "the default: the DuckDB file in the per-user data folder (QBSYNC_HOME overrides it)"


def diagnose(
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path | None = None,
    *,
    reach_sources: bool = True,
) -> list[Finding]:
    """Everything doctor reports, in order: warehouse, .env, variables, companies, sources."""
    environ = dict(os.environ if environ is None else environ)
    dotenv_path = dotenv_path or dotenv_file()
    dotenv = read_dotenv(dotenv_path)
    findings = [*_warehouse(environ, dotenv, dotenv_path)]
    findings += variables(environ, dotenv, dotenv_path)
    try:
        wh = _open(environ)
        findings += _registered(wh, reach_sources)
    except OperatorError as exc:
        findings.append(Finding("warehouse", False, str(exc)))
    return findings


def _warehouse(environ: dict[str, str], dotenv: dict[str, str], dotenv_path: Path) -> list[Finding]:
    found = []
    try:
        url = config.database_url(environ)
        found.append(Finding("warehouse", True, f"{_describe(url, environ)} ({warehouse_choice(environ)})"))
    except OperatorError as exc:
        return [Finding("warehouse", False, str(exc))]
    if dotenv:
        under_dagster = {**environ, **dotenv}
        try:
            theirs = config.database_url(under_dagster)
        except OperatorError as exc:
            theirs = f"none ({exc})"
        if theirs != url:
            found.append(
                Finding(
                    "warehouse",
                    False,
                    f"dagster dev started in {dotenv_path.parent} would use {_describe(theirs, under_dagster)} "
                    f"({dotenv_path} wins over exported variables there), not this one",
                )
            )
        else:
            found.append(Finding(".env", True, f"{dotenv_path}: dagster dev loads it over exported variables"))
    return found


def _describe(url: str, environ: Mapping[str, str]) -> str:
    from warehouse.store import Warehouse

    if not url.startswith("duckdb:"):
        return Warehouse(url, schema=environ.get("QBSYNC_DATABASE_SCHEMA") or None).describe()
    return "duckdb:" + url.removeprefix("duckdb:").removeprefix("//")


def _open(environ: dict[str, str]):
    from warehouse.store import Warehouse

    wh = Warehouse(config.database_url(environ), schema=environ.get("QBSYNC_DATABASE_SCHEMA") or None)
    if wh.backend == "duckdb" and not Path(wh.path).exists():
        raise OperatorError(
            f"{wh.describe()} does not exist yet: the first qbsync command creates it; if you expected data there, "
            "point QBSYNC_HOME or QBSYNC_DATABASE_URL at the warehouse you use"
        )
    pending = [name for name, applied in wh.migration_status() if applied is None]
    if pending:
        raise OperatorError(
            f"{wh.describe()} answers but lacks {len(pending)} migration(s): run qbsync db init"
            if len(pending) < len(wh.migration_status())
            else f"{wh.describe()} is empty: the first qbsync command (or qbsync db init) creates its tables"
        )
    return wh


def _registered(wh, reach_sources: bool) -> list[Finding]:
    from qbwc_bridge import companies
    from warehouse import connections

    found = [Finding("warehouse", True, f"{wh.describe()} answers; its schema is up to date")]
    with wh.connect() as conn:
        rows = companies.list_all(conn)
        feeds = conn.fetchall(
            "SELECT company, source_system, source_instance, bill_on FROM company_sources ORDER BY 1, 2, 3"
        )
        stored = connections.list_all(conn)
    if not rows:
        found.append(Finding("company", False, "no company registered: qbsync company add --name N --user U"))
    for c in rows:
        fed = [f"{s}:{i} (bill on {b})" for company, s, i, b in feeds if company == c.company]
        found.append(
            Finding(
                "company",
                bool(fed),
                f"{c.company}: Web Connector user {c.qbwc_user}, {c.country}, qbXML <= {c.max_qbxml_version}; fed by "
                + (", ".join(fed) if fed else "no source: qbsync company set NAME --source SYSTEM:INSTANCE"),
            )
        )
    wanted = sorted({(s, i) for _, s, i, _ in feeds} | {(c.source_system, c.instance) for c in stored})
    for source_system, instance in wanted:
        found.append(_source(wh, source_system, instance, reach_sources))
    return found


def _source(wh, source_system: str, instance: str, reach: bool) -> Finding:
    from warehouse import connections

    name = f"{source_system}:{instance}"
    try:
        with wh.connect() as conn:
            found = connections.resolve(conn, source_system, instance, connections.env_values(source_system))
    except (connections.ConnectionMissing, connections.UndecryptableSecret, ValueError) as exc:
        return Finding("source", False, f"{name}: {exc}")
    where = found.value("base_url")
    if not reach:
        return Finding("source", True, f"{name} at {where} (not contacted: --offline)")
    check = _checker(source_system, found)
    if check is None:
        return Finding("source", True, f"{name} at {where} (this source offers no connection check)")
    steps = check()
    failed = [text for _, ok, text in steps if not ok]
    return Finding("source", not failed, f"{name} at {where}: " + (failed[0] if failed else "answers"))


def _checker(source_system: str, found) -> Callable[[], list[tuple[str, bool, str]]] | None:
    """The declared client's check() (a token and one cheap read), bound to a client it closes after."""
    module, _, cls_name = registry.get(source_system).client.partition(":")
    cls = getattr(importlib.import_module(module), cls_name)
    if not hasattr(cls, "check"):
        return None

    def run() -> list[tuple[str, bool, str]]:
        with cls(found.value("base_url"), found.value("client_id"), found.value("client_secret")) as client:
            return client.check()

    return run
