"""Great Expectations 1.x suites over the staging tables, run in an ephemeral context (no files, no analytics)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from data_checks.results import ERROR, CheckResult
from warehouse.store import Conn


@dataclass(frozen=True)
class Expect:
    """One expectation: `kind` is not_null | at_least_zero | unique_together, over `columns`."""

    kind: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Suite:
    """The expectations for one staging table and how a row names its document (a record key)."""

    table: str
    expectations: tuple[Expect, ...]
    key_of: str  # format string over the row's columns, e.g. "{source_system}:po:{po_source_id}"
    numeric: tuple[str, ...] = ()
    row_label: str = ""  # names the row inside its document, e.g. "line {line_number}: "


SUITES: dict[str, Suite] = {
    s.table: s
    for s in (
        Suite(
            "stg_suppliers",
            (
                Expect("not_null", ("supplier_name",)),
                Expect("unique_together", ("source_system", "source_id")),
            ),
            "{source_system}:supplier:{source_id}",
        ),
        Suite(
            "stg_purchase_orders",
            (
                Expect("not_null", ("po_number",)),
                Expect("not_null", ("total_amount",)),
                Expect("at_least_zero", ("total_amount",)),
                Expect("unique_together", ("source_system", "source_id")),
            ),
            "{source_system}:po:{source_id}",
            numeric=("total_amount",),
        ),
        Suite(
            "stg_po_lines",
            (
                Expect("not_null", ("line_amount",)),
                Expect("at_least_zero", ("quantity",)),
                Expect("at_least_zero", ("unit_price",)),
                Expect("unique_together", ("source_system", "po_source_id", "line_number")),
            ),
            "{source_system}:po:{po_source_id}",
            numeric=("quantity", "unit_price", "line_amount"),
            row_label="line {line_number}: ",
        ),
        Suite(
            "stg_invoices",
            (
                Expect("not_null", ("invoice_number",)),
                Expect("not_null", ("total_amount",)),
                Expect("at_least_zero", ("total_amount",)),
                Expect("unique_together", ("source_system", "source_id")),
            ),
            "{source_system}:invoice:{source_id}",
            numeric=("total_amount",),
        ),
        Suite(
            "stg_invoice_lines",
            (
                Expect("not_null", ("line_amount",)),
                Expect("at_least_zero", ("quantity",)),
                Expect("at_least_zero", ("unit_price",)),
                Expect("unique_together", ("source_system", "invoice_source_id", "line_number")),
            ),
            "{source_system}:invoice:{invoice_source_id}",
            numeric=("quantity", "unit_price", "line_amount"),
            row_label="line {line_number}: ",
        ),
        Suite(
            "stg_payments",
            (
                Expect("not_null", ("amount",)),
                Expect("at_least_zero", ("amount",)),
                Expect("unique_together", ("source_system", "source_id")),
            ),
            "{source_system}:payment:{source_id}",
            numeric=("amount",),
        ),
        Suite(
            "stg_payment_details",
            (
                Expect("not_null", ("invoice_source_id",)),
                Expect("at_least_zero", ("amount",)),
                Expect("unique_together", ("source_system", "payment_source_id", "line_number")),
            ),
            "{source_system}:payment:{payment_source_id}",
            numeric=("amount",),
            row_label="detail {line_number}: ",
        ),
    )
}


@cache
def _context() -> Any:
    """One ephemeral, in-memory GX context per process, analytics and progress bars off (GX imported here only)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    context = gx.get_context(project_config=config, mode="ephemeral")
    context.data_sources.add_pandas("staging")
    return context


def _expectation(expect: Expect) -> Any:
    import great_expectations as gx

    if expect.kind == "not_null":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column=expect.columns[0])
    if expect.kind == "at_least_zero":
        return gx.expectations.ExpectColumnValuesToBeBetween(column=expect.columns[0], min_value=0)
    if expect.kind == "unique_together":
        return gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=list(expect.columns))
    raise ValueError(f"unknown expectation kind {expect.kind}")


def validate_frame(suite: Suite, frame: pd.DataFrame) -> CheckResult:
    """Run `suite` over `frame`; offenders are the record keys of the unexpected rows."""
    import great_expectations as gx

    frame = frame.reset_index(drop=True)
    for col in suite.numeric:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    context = _context()
    source = context.data_sources.get("staging")
    name = suite.table
    asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
    batch_def = next((b for b in asset.batch_definitions if b.name == "whole"), None)
    batch_def = batch_def or asset.add_batch_definition_whole_dataframe("whole")
    gx_suite = gx.ExpectationSuite(name=f"{name}_suite", expectations=[_expectation(e) for e in suite.expectations])
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(gx_suite, result_format={"result_format": "COMPLETE"})

    details: dict[str, str] = {}
    counts: dict[str, int] = {}
    for res, expect in zip(outcome.results, suite.expectations, strict=True):
        label = f"{expect.kind}({', '.join(expect.columns)})"
        counts[label] = int(res.result.get("unexpected_count") or 0)
        if res.success:
            continue
        for index in res.result.get("unexpected_index_list") or []:
            values = frame.iloc[int(index)].to_dict()
            key = suite.key_of.format(**values)
            reason = suite.row_label.format(**values) + _describe(values, expect)
            if reason not in details.get(key, ""):
                details[key] = f"{details[key]}; {reason}" if key in details else reason
    return CheckResult(
        f"gx_{name}",
        ERROR,
        f"Great Expectations suite over {name}",
        sorted(details),
        details,
        {"unexpected_counts": counts, "rows": len(frame)},
    )


def run_suite(conn: Conn, table: str) -> CheckResult:
    """Load one staging table and validate it with its suite."""
    suite = SUITES[table]
    return validate_frame(suite, conn.df(f'SELECT * FROM "{suite.table}"'))


def _describe(values: dict[str, Any], expect: Expect) -> str:
    """A readable sentence for one unexpected row."""
    col = expect.columns[0]
    if expect.kind == "not_null":
        return f"{col} is missing"
    if expect.kind == "at_least_zero":
        return f"{col} {values[col]:g} is negative"
    shown = ", ".join(f"{c}={values[c]}" for c in expect.columns)
    return f"{shown} appears more than once"
