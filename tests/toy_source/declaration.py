"""The toy source: vendors and bills in its own JSON shape (keys `key`/`modified`), bills billable when approved."""

from __future__ import annotations

from datetime import timedelta

from sources.declaration import Billable, Entity, LineNumber, Source

SOURCE = Source(
    name="toy",
    title="Toy",
    client="toy_source.client:ToyClient",
    simulator="toy_source.simulator:harness",
    id_field="key",
    cursor_field="modified",
    cursor_overlap=timedelta(minutes=5),
    billable=(Billable("invoices", ("approved",)),),
    feedback=("invoice",),
    entities={
        "vendors": Entity(
            canonical="suppliers",
            paths={
                "modified": ("modified",),
                "name": ("display_name",),
                "street": ("address", "line"),
                "zip": ("address", "zip"),
                "state": ("state",),
            },
            required={"name": ("display_name", "vendor has no display_name")},
        ),
        "bills": Entity(
            canonical="invoices",
            paths={
                "modified": ("modified",),
                "ref": ("ref",),
                "vendor": ("vendor",),
                "state": ("state",),
                "date": ("date",),
                "amount": ("amount",),
            },
            lines_key="lines",
            line_paths={"line_num": ("n",), "text": ("text",), "qty": ("qty",), "unit": ("unit",), "gl": ("gl",)},
            required={"ref": ("ref", "bill has no ref"), "vendor": ("vendor", "bill names no vendor")},
            numbers={"amount": "amount"},
            dates={"date": "date"},
            line_numbers={"qty": LineNumber("qty", "18,5")},
            require_lines=True,
        ),
    },
)
