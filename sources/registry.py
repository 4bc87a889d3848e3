"""The registry: every source system declared under sources/<name>/declaration.py (its `SOURCE`), found by walking
this package, plus any registered at run time (a test's toy source). Everything per-source is read from here."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sources.declaration import Source

HERE = Path(__file__).parent
_extra: dict[str, Source] = {}


def _with_sql_dir(source: Source, module_file: str | None) -> Source:
    if source.sql_dir is None and module_file:
        return dataclasses.replace(source, sql_dir=Path(module_file).parent / "sql")
    return source


@cache
def _discovered() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for info in sorted(pkgutil.iter_modules([str(HERE)]), key=lambda i: i.name):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"sources.{info.name}.declaration")
        source = _with_sql_dir(module.SOURCE, module.__file__)
        found[source.name] = source
    return found


def all_sources() -> list[Source]:
    """Every declared source, discovered ones first (by package name), then those registered at run time."""
    return [*_discovered().values(), *(s for n, s in _extra.items() if n not in _discovered())]


def names() -> list[str]:
    return [s.name for s in all_sources()]


def get(name: str) -> Source:
    for source in all_sources():
        if source.name == name:
            return source
    raise KeyError(f"no source system {name!r} is declared (known: {', '.join(names())})")


def client_class(name: str) -> type:
    """The declared API client class (`Source.client`, "module:Class") of source `name`."""
    return _attribute(get(name).client)


def resource_class(name: str) -> type:
    """The declared Dagster resource class (`Source.resource`) of source `name`; the shared SourceApiResource when
    it declares none."""
    from resources.source_api import SourceApiResource

    declared = get(name).resource
    return _attribute(declared) if declared else SourceApiResource


def delivery(name: str):
    """The module that queues and delivers the writes of source `name` its own way (`Source.delivery`)."""
    return importlib.import_module(get(name).delivery)


def _attribute(reference: str):
    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)


@contextmanager
def registered(source: Source, module_file: str | None = None) -> Iterator[Source]:
    """Declare `source` for the duration of the block (a source that lives outside this package, e.g. in a test)."""
    source = _with_sql_dir(source, module_file)
    _extra[source.name] = source
    try:
        yield source
    finally:
        _extra.pop(source.name, None)


def values_sql(columns: tuple[str, ...], rows: list[tuple]) -> str:
    """A derived table `(VALUES ...) AS t(columns)` of registry data, for joining in SQL; one NULL row if empty."""

    def literal(v) -> str:
        return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"

    body = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows) or (
        "(" + ", ".join("NULL" for _ in columns) + ")"
    )
    return f"(SELECT * FROM (VALUES {body}) AS t({', '.join(columns)}))"
