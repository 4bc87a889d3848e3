"""`.env.example` lists every environment variable the code reads, so it cannot fall behind the code."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from qbwc_bridge.settings import BridgeSettings
from sources import env_example, registry

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [
    "assets",
    "connectors",
    "data_checks",
    "pipelines",
    "qbwc_bridge",
    "qbxml",
    "resources",
    "sandbox",
    "sources",
    "transforms",
    "warehouse",
]
NAMED = re.compile(r"""["']((?:QBSYNC|COUPA|DAGSTER|GX)_[A-Z0-9_]*[A-Z0-9])["']""")


def _listed() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))


def _read_by_code() -> set[str]:
    names = {m for pkg in PACKAGES for f in (ROOT / pkg).rglob("*.py") for m in NAMED.findall(f.read_text())}
    names |= {f.metadata.get("env", f"QBSYNC_BRIDGE_{f.name.upper()}") for f in fields(BridgeSettings)} - {None}
    names |= {name for source in registry.all_sources() for name in source.env.values()}
    return names


def test_every_variable_the_code_reads_is_listed():
    assert _read_by_code() - _listed() == set()


def test_the_source_block_is_generated_from_the_registry():
    text = (ROOT / ".env.example").read_text()
    assert env_example.render(text) == text, "run `python -m sources.env_example` to regenerate .env.example"
    for source in registry.all_sources():
        assert f"{source.env['base_url']}=" in text
