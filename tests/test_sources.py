"""The source registry: declarations found, one record-key spelling, canonical mapping shape, company_sources."""

from __future__ import annotations

import pytest

from sources import registry
from sources.keys import record_key, record_key_sql
from transforms import staging
from transforms.canonical import CANONICAL
from transforms.dialect import Dialect
from warehouse.company_sources import enrol, fill_defaults

SOURCES = registry.all_sources()


def test_the_registry_finds_every_declared_source_package():
    assert "coupa" in registry.names()
    with pytest.raises(KeyError, match="no source system 'nope'"):
        registry.get("nope")


def test_record_keys_have_one_spelling_in_python_and_sql(warehouse):
    assert record_key("coupa", "po", 4711) == "coupa:po:4711"
    key = record_key_sql("'coupa'", "po", "'4711'")
    assert warehouse.scalar(f"SELECT {key}") == "coupa:po:4711"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_every_mapping_selects_exactly_the_canonical_columns(warehouse, source):
    """Each .sql file's header SELECT yields source_id + the canonical columns (then the optional ones it declares);
    its lines SELECT doc_id, line_seq, line_ref and (at least) the canonical line columns (run over empty text tables
    of the declared fields)."""
    d = Dialect(warehouse.backend)
    for name, entity in source.entities.items():
        c = CANONICAL[entity.canonical]
        header, lines = staging.mapping(d, source, name)
        with warehouse.connect() as conn:
            docs = ", ".join(f"{f} TEXT" for f in ("source_id", *entity.paths))
            conn.execute(f"CREATE TEMP TABLE {staging.DOCS} ({docs})")
            if entity.lines_key:
                fields = ", ".join(f"{f} TEXT" for f in ("doc_id", *entity.line_paths))
                conn.execute(f"CREATE TEMP TABLE {staging.LINES} ({fields})")
            optional = [col for col in c.optional_columns if col in entity.optional]
            got = list(conn.df(f"SELECT * FROM ({header}) m LIMIT 0").columns)
            assert got == ["source_id", *c.columns, *optional], name
            if c.lines_table:
                assert lines, f"{source.name}.{name}: {c.name} needs a lines SELECT"
                got = list(conn.df(f"SELECT * FROM ({lines}) m LIMIT 0").columns)
                assert got[:3] == ["doc_id", "line_seq", "line_ref"] and set(c.line_columns) <= set(got), name
            conn.execute(f"DROP TABLE IF EXISTS {staging.DOCS}")
            conn.execute(f"DROP TABLE IF EXISTS {staging.LINES}")


def test_a_company_is_fed_by_source_instances_with_the_declared_default_policy(warehouse):
    coupa = registry.get("coupa")
    with warehouse.connect() as conn:
        enrol(conn, "acme", "coupa")
        enrol(conn, "acme", "coupa", instance="emea", bill_on="invoice")
        conn.execute(
            "INSERT INTO company_sources (company, source_system, source_instance) VALUES ('beta', 'coupa', 'x')"
        )
        fill_defaults(conn)
        rows = conn.records(
            "SELECT company, source_instance, bill_on, vendor_policy FROM company_sources ORDER BY company, 2"
        )
    assert rows == [
        {"company": "acme", "source_instance": "default", "bill_on": coupa.policy.bill_on, "vendor_policy": "create"},
        {"company": "acme", "source_instance": "emea", "bill_on": "invoice", "vendor_policy": "create"},
        {"company": "beta", "source_instance": "x", "bill_on": coupa.policy.bill_on, "vendor_policy": "create"},
    ]
    with pytest.raises(ValueError, match="unknown source policy colour"), warehouse.connect() as conn:
        enrol(conn, "acme", "coupa", instance="other", colour="blue")
