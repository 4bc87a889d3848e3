"""Compile Intuit's qbXML XSD sets into the facts the product reads at run time (`qbsync qbxml compile-schema`)."""

from __future__ import annotations

import json
from pathlib import Path

from qbxml import xsd
from qbxml.schema import Decl, facts_name

FACTS_DIR = Path(__file__).parent / "facts"


def compile_version(model: xsd.XsdSchema) -> dict:
    """Every global element of `model` as shared shapes (see qbxml.schema.QbxmlSchema for the layout)."""
    shapes: list[list] = []
    interned: dict[str, int] = {}
    done: dict[int, int] = {}  # id(Decl) -> shape; the model keeps every Decl alive while we walk
    walking: set[int] = set()

    def shape(decl: Decl) -> int:
        known = done.get(id(decl))
        if known is not None:
            return known
        if id(decl) in walking:
            raise ValueError(f"qbXML {model.version}: {decl.name} contains itself; facts cannot express that")
        walking.add(id(decl))
        slots: dict[int, int] = {}
        children = [
            [shape(c), c.min_occurs, c.max_occurs, None if c.slot is None else slots.setdefault(c.slot, len(slots))]
            for c in decl.children
        ]
        walking.discard(id(decl))
        enumeration = list(decl.enumeration) if decl.enumeration is not None else None
        row = [
            decl.name,
            decl.max_length,
            int(decl.simple),
            list(decl.attributes),
            decl.pattern,
            enumeration,
            decl.type_name,
            children,
        ]
        key = json.dumps(row, separators=(",", ":"))
        found = interned.get(key)
        if found is None:
            found = interned[key] = len(shapes)
            shapes.append(row)
        done[id(decl)] = found
        return found

    elements = {name: shape(model.element(name)) for name in sorted(model.global_names())}
    return {"version": model.version, "shapes": shapes, "elements": elements}


def write(facts: dict, folder: Path = FACTS_DIR) -> Path:
    """One compact JSON file per version: a line per shape, so a new Intuit release shows as a readable diff."""
    path = folder / facts_name(facts["version"])
    lines = [json.dumps(s, separators=(",", ":")) for s in facts["shapes"]]
    body = (
        '{"version":'
        + json.dumps(facts["version"])
        + ',\n"shapes":[\n'
        + ",\n".join(lines)
        + '\n],\n"elements":'
        + json.dumps(facts["elements"], separators=(",", ":"))
        + "}\n"
    )
    path.write_text(body)
    return path


def compile_dir(xsd_dir: Path, folder: Path = FACTS_DIR) -> list[Path]:
    """Compile every version under `xsd_dir` (13.0/, 16.0/ ...) into `folder`; returns the files written."""
    return [write(compile_version(xsd.XsdSchema(v, xsd_dir)), folder) for v in xsd.versions(xsd_dir)]
