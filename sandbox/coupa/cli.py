"""`qbsync sandbox coupa`: serve a generated Coupa company in the foreground for operators trying a set-up."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this simulator's command to `qbsync sandbox`."""

    @app.command("coupa")
    def coupa(
        port: int = typer.Option(8450, help="Port on 127.0.0.1 (0 picks a free one)."),
        records: int = typer.Option(1000, help="Purchase orders to generate (suppliers: one per 20 POs, at least 5)."),
        seed: int = typer.Option(1, help="Generator seed: the same seed gives the same company."),
        bad_share: float = typer.Option(0.02, help="Share of records carrying one planted defect."),
        faults: bool = typer.Option(False, "--faults", help="Inject a token revocation, 5xx bursts, slow answers."),
        country: str = typer.Option("US", help="Instance country: CA and UK lines carry tax codes (line tax)."),
        rate_limit: float = typer.Option(25.0, help="Requests per second before 429 (0 turns it off)."),
        client_id: str = typer.Option("sandbox", envvar="QBSYNC_COUPA_CLIENT_ID", help="OAuth2 client id."),
        client_secret: str = typer.Option(
            "sandbox-secret", envvar="QBSYNC_COUPA_CLIENT_SECRET", help="OAuth2 client secret.", show_default=False
        ),
    ) -> None:
        """Serve a seeded Coupa R39 API on 127.0.0.1 until Ctrl-C."""
        from sandbox.coupa.generator import generate
        from sandbox.coupa.server import CoupaSandbox
        from sandbox.scaffold import ApiFaults

        dataset = generate(
            seed, suppliers=max(5, records // 20), purchase_orders=records, bad_share=bad_share, country=country.upper()
        )
        sandbox = CoupaSandbox(
            dataset,
            client_id=client_id,
            client_secret=client_secret,
            rate_limit_per_s=rate_limit or None,
            faults=ApiFaults.preset(seed) if faults else None,
            port=port,
        )
        typer.echo(
            f"Coupa sandbox on http://127.0.0.1:{port}: {len(dataset.suppliers)} suppliers, "
            f"{len(dataset.purchase_orders)} POs, {len(dataset.invoices)} invoices, {len(dataset.payments)} payments, "
            f"{len(dataset.bad_records)} planted bad records; client id {client_id!r}; token at /oauth2/token"
        )
        sandbox.serve_forever()
