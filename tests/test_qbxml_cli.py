"""`qbsync qbxml validate|parse` through the real root CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from qbxml import envelope
from qbxml import requests as rq

runner = CliRunner()

BILL_LINE = {"AccountRef": {"FullName": "A"}, "Amount": "1.00"}


def _run(*args: str):
    return runner.invoke(app, ["qbxml", *args])


@pytest.fixture
def valid_message(tmp_path):
    path = tmp_path / "valid.xml"
    elems = [
        rq.render("VendorQuery", {"FullName": ["Acme"]}, version="13.0", request_id="1"),
        rq.render(
            "BillAdd",
            {"BillAdd": {"VendorRef": {"FullName": "Acme"}, "ExpenseLineAdd": [BILL_LINE]}},
            version="13.0",
            request_id="2",
        ),
    ]
    path.write_bytes(envelope.message(elems, version="13.0"))
    return path


def test_validate_valid_message_uses_the_header_version(valid_message):
    result = _run("validate", str(valid_message))
    assert result.exit_code == 0, result.output
    assert "valid against qbXML 13.0" in result.output


def test_validate_newer_version_falls_back_to_newest_schema(valid_message):
    result = _run("validate", str(valid_message), "--version", "17.0")
    assert result.exit_code == 0, result.output
    assert "qbXML 16.0 (asked 17.0)" in result.output


def test_validate_reports_the_first_error_with_line_and_element(tmp_path):
    path = tmp_path / "misordered.xml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="16.0"?>\n<QBXML>\n'
        '<QBXMLMsgsRq onError="stopOnError">\n<VendorAddRq>\n<VendorAdd>\n'
        "<Email>a@b.example</Email>\n<Name>Acme</Name>\n</VendorAdd>\n</VendorAddRq>\n</QBXMLMsgsRq>\n</QBXML>\n"
    )
    result = _run("validate", str(path))
    assert result.exit_code == 1
    assert "line 7: Email:" in result.output


def test_validate_without_header_or_version_fails(tmp_path):
    path = tmp_path / "bare.xml"
    path.write_text("<QBXML><QBXMLMsgsRq onError='stopOnError'><HostQueryRq/></QBXMLMsgsRq></QBXML>")
    assert _run("validate", str(path)).exit_code == 1
    assert _run("validate", str(path), "--version", "16.0").exit_code == 0


def test_validate_refuses_unsafe_xml(tmp_path):
    path = tmp_path / "xxe.xml"
    path.write_text('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><QBXML>&x;</QBXML>')
    result = _run("validate", str(path), "--version", "16.0")
    assert result.exit_code == 1
    assert "root:" not in result.output


def test_parse_prints_one_json_line_per_record(reference_dir):
    path = reference_dir / "fixtures" / "qb-responses" / "billash_vendors.xml"
    result = _run("parse", str(path))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 54
    first = lines[0]
    assert first["requestID"] == "1"
    assert first["statusCode"] == 0
    assert first["statusSeverity"] == "Info"
    assert first["type"] == "VendorRet"
    assert first["ListID"] == "A60000-1197760912"
    assert first["EditSequence"] == "1702703204"
    assert first["TimeModified"] == "2023-12-16T00:06:44-05:00"


def test_parse_prints_status_of_responses_without_records(reference_dir):
    path = reference_dir / "fixtures" / "qb-responses" / "customer-batch-mixed.response.xml"
    result = _run("parse", str(path))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [ln["statusCode"] for ln in lines] == [0, 3100, 3250, 3130, 0]
    assert "type" not in lines[1]
    assert lines[1]["outcome"] == "duplicate_name"
    assert lines[0]["Name"] == "HG-BATCH-MIX-1785964184-1"


def test_parse_refuses_a_request_document(valid_message):
    result = _run("parse", str(valid_message))
    assert result.exit_code == 1
