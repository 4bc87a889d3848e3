"""The compiled qbXML facts the product ships equal Intuit's XSDs element for element, are what compile-schema
writes, and are all the product needs: the demo runs with no XSD folder and the reference folder unreachable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from lxml import etree
from typer.testing import CliRunner

from pipelines.cli import app
from qbxml import compile_schema, conformance, schema, xsd
from qbxml.schema import Decl
from sandbox.webconnector import soap


def test_the_shipped_wsdl_is_intuits(reference_dir):
    assert soap.PACKAGED_WSDL.read_bytes() == (reference_dir / "qbwc" / "QBWebConnectorSvc.wsdl").read_bytes()


@pytest.fixture(scope="module")
def xsd_dir(reference_dir):
    return reference_dir / "qbxml-xsd"


def _same(a: Decl, b: Decl, path: str, seen: set) -> None:
    """Declaration `a` (XSD) and `b` (facts) agree in every fact, and so do all their descendants."""
    facts = ("name", "min_occurs", "max_occurs", "max_length", "simple", "attributes", "pattern", "enumeration")
    for fact in (*facts, "type_name"):
        assert getattr(a, fact) == getattr(b, fact), f"{path}: {fact} {getattr(a, fact)!r} != {getattr(b, fact)!r}"
    assert (a.slot is None) == (b.slot is None), f"{path}: choice slot"
    if (id(a), id(b)) in seen:
        return
    seen.add((id(a), id(b)))
    assert [c.name for c in a.children] == [c.name for c in b.children], f"{path}: children"
    slots_a = [[i for i, c in enumerate(a.children) if c.slot == s] for s in {c.slot for c in a.children} - {None}]
    slots_b = [[i for i, c in enumerate(b.children) if c.slot == s] for s in {c.slot for c in b.children} - {None}]
    assert sorted(slots_a) == sorted(slots_b), f"{path}: repeating choices"
    for ca, cb in zip(a.children, b.children, strict=True):
        _same(ca, cb, f"{path}/{ca.name}", seen)


def test_the_package_holds_facts_for_every_xsd_version(xsd_dir):
    assert schema.schema_versions() == xsd.versions(xsd_dir) == ("13.0", "16.0")


@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_compiled_facts_equal_the_xsds_element_for_element(version, xsd_dir):
    model, facts = xsd.load(version, xsd_dir), schema.load(version)
    assert sorted(model.global_names()) == sorted(facts.global_names())
    seen: set = set()
    for name in model.global_names():
        _same(model.element(name), facts.element(name), name, seen)
    assert len(seen) > 1000  # the walk really went through the tree


def test_compile_schema_writes_exactly_the_committed_facts(xsd_dir, tmp_path):
    run = CliRunner().invoke(app, ["qbxml", "compile-schema", str(xsd_dir), "--out", str(tmp_path)])
    assert run.exit_code == 0, run.output
    for version in ("13.0", "16.0"):
        written = (tmp_path / schema.facts_name(version)).read_text()
        assert written == (compile_schema.FACTS_DIR / schema.facts_name(version)).read_text(), version
        assert json.loads(written)["version"] == version
    empty = CliRunner().invoke(app, ["qbxml", "compile-schema", str(tmp_path)])
    assert empty.exit_code == 1 and "no qbXML XSD set" in empty.output


@pytest.mark.parametrize(
    ("fragment", "problem"),
    [
        ("<VendorAddRq><VendorAdd><Name>A</Name></VendorAdd></VendorAddRq>", None),
        ("<VendorAddRq><VendorAdd><IsActive>true</IsActive><Name>A</Name></VendorAdd></VendorAddRq>", "out of order"),
        ("<VendorAddRq><VendorAdd><Name>A</Name><Nope/></VendorAdd></VendorAddRq>", "not a child"),
        ("<VendorAddRq><VendorAdd><Name>A</Name><IsActive>maybe</IsActive></VendorAdd></VendorAddRq>", "BOOLTYPE"),
        ("<VendorAddRq><VendorAdd/></VendorAddRq>", "missing"),
        ("<VendorAddRq><VendorAdd><Name>A</Name><Name>B</Name></VendorAdd></VendorAddRq>", "at most 1"),
        ("<VendorQueryRq><ActiveStatus>Some</ActiveStatus></VendorQueryRq>", "is not one of"),
        ("<VendorQueryRq><FromModifiedDate>2026-12-07 03:59:27</FromModifiedDate></VendorQueryRq>", "DATETIMETYPE"),
    ],
)
def test_conformance_refuses_what_the_xsd_refuses(fragment, problem, xsd_dir):
    doc = etree.fromstring(f'<QBXML><QBXMLMsgsRq onError="stopOnError">{fragment}</QBXMLMsgsRq></QBXML>')
    found = conformance.problems(schema.load("16.0"), doc)
    assert bool(xsd.load("16.0", xsd_dir).errors(doc)) == (problem is not None)
    if problem is None:
        assert found == []
    else:
        assert any(problem in p for p in found), found


# Every file the demo opens, refused when it is one of Intuit's qbXML XSDs or lies in the reference folder.
_GUARDED_DEMO = textwrap.dedent(
    """
    import sys

    def guard(event, args):
        if event == "open" and isinstance(args[0], (str, bytes)):
            path = str(args[0])
            name = path.rsplit("/", 1)[-1]
            if (name.startswith("qbxml") and name.endswith(".xsd")) or "/shared/" in path:
                raise PermissionError(f"the product read {path}")

    sys.addaudithook(guard)
    from pipelines.cli import main
    sys.argv = ["qbsync", "demo", "--json", "--records", "20"]
    main()
    """
)


def test_demo_runs_with_no_xsd_folder_and_the_reference_unreachable(tmp_path):
    empty = tmp_path / "no-xsd"
    empty.mkdir()
    env = {**os.environ, "QBSYNC_HOME": str(tmp_path / "home"), "QBSYNC_QBXML_XSD_DIR": str(empty)}
    env.pop("QBSYNC_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-c", _GUARDED_DEMO], env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["outbox"]["pending"] == 0 and out["outbox"]["done"] > 0
    assert out["quickbooks"]["bills"] > 0 and out["duplicates"] == 0
