"""statusCode classification and HRESULT messages follow PROTOCOL-NOTES section 2."""

from __future__ import annotations

import logging

import pytest

from qbxml.status import Outcome, classify, hresult_message


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (0, Outcome.ok),
        ("0", Outcome.ok),
        (1, Outcome.empty),
        (500, Outcome.ok),
        (1000, Outcome.transient),
        (1010, Outcome.transient),
        (3170, Outcome.transient),
        (3175, Outcome.transient),
        (3176, Outcome.transient),
        (3180, Outcome.transient),
        (3200, Outcome.stale_edit_sequence),
        (3100, Outcome.duplicate_name),
        (3120, Outcome.bad_reference),
        (3130, Outcome.bad_reference),
        (3140, Outcome.bad_reference),
        (3000, Outcome.bad_input),
        (3020, Outcome.bad_input),
        (3031, Outcome.bad_input),
        (3210, Outcome.bad_input),
        (1060, Outcome.bad_input),
        (3250, Outcome.not_permitted),
        (3260, Outcome.not_permitted),
        (3261, Outcome.not_permitted),
        (3391, Outcome.iterator_expired),
        (3032, Outcome.unknown),
        (9999, Outcome.unknown),
        (None, Outcome.unknown),
        ("abc", Outcome.unknown),
    ],
)
def test_classify(code, outcome):
    assert classify(code) is outcome


def test_partial_result_is_ok_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="qbxml.status"):
        assert classify(500) is Outcome.ok
    assert "partial" in caplog.text


@pytest.mark.parametrize(
    ("hresult", "text"),
    [
        ("0x80040400", "parsing the provided XML"),
        ("0X8004040d", "ticket parameter is invalid"),
        ("80040420", "denied access"),
        (0x80040416, "not running"),
        (-2147220480, "parsing the provided XML"),
        ("0x80049999", "unknown HRESULT"),
        ("zz", "unrecognised"),
        ("", "no HRESULT"),
    ],
)
def test_hresult_message(hresult, text):
    assert text in hresult_message(hresult)
