"""Intuit's qbXML XSD files: the element model read from them, and validation (tests, compile-schema, validate)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from lxml import etree

from qbxml.schema import Decl, ElementModel, SchemaNotFound, parse_version, with_occurs

XSD = "{http://www.w3.org/2001/XMLSchema}"
_PARTICLES = {f"{XSD}sequence", f"{XSD}choice", f"{XSD}all"}


def schema_dir() -> Path:
    """Folder holding one sub-folder per qbXML version (13.0/, 16.0/) with Intuit's XSD files (tests and tools only)."""
    configured = os.environ.get("QBSYNC_QBXML_XSD_DIR")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "reference" / "qbxml-xsd"
        if candidate.is_dir():
            return candidate
    raise SchemaNotFound(
        "qbXML schemas not found: set QBSYNC_QBXML_XSD_DIR to the folder holding 13.0/ and 16.0/ "
        "(in a checkout they live at ../shared/reference/qbxml-xsd)"
    )


def _ops_name(version: str) -> str:
    return f"qbxmlops{version.replace('.', '')}.xsd"


@cache
def versions(folder: Path | None = None) -> tuple[str, ...]:
    """The versions `folder` (default: schema_dir()) holds XSD sets for, oldest first."""
    root = folder or schema_dir()
    found = [p.name for p in root.iterdir() if (p / _ops_name(p.name)).exists()]
    return tuple(sorted(found, key=parse_version))


class XsdSchema(ElementModel):
    """The element model of one qbXML version read from Intuit's XSD files, and its validator."""

    def __init__(self, version: str, folder: Path | None = None):
        self.version = version
        folder = (folder or schema_dir()) / version
        self.path = folder / _ops_name(version)
        if not self.path.exists():
            raise SchemaNotFound(f"no qbXML {version} schema at {self.path}")
        self._elements: dict[str, etree._Element] = {}
        self._complex: dict[str, etree._Element] = {}
        self._simple: dict[str, etree._Element] = {}
        self._groups: dict[str, etree._Element] = {}
        for xsd in sorted(folder.glob("*.xsd")):
            root = etree.parse(str(xsd), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
            for node in root:
                name = node.get("name")
                if node.tag == f"{XSD}element":
                    self._elements[name] = node
                elif node.tag == f"{XSD}complexType":
                    self._complex[name] = node
                elif node.tag == f"{XSD}simpleType":
                    self._simple[name] = node
                elif node.tag == f"{XSD}group":
                    self._groups[name] = node
        self._global: dict[str, Decl] = {}
        self._validator: etree.XMLSchema | None = None

    # -- model ---------------------------------------------------------------------------------

    def _global_decl(self, name: str) -> Decl:
        return self._decl(self._elements[name], name)

    def _decl(self, node: etree._Element, name: str, occurs: tuple[int, int | None] = (1, 1)) -> Decl:
        type_name = node.get("type")
        complex_node = None
        if type_name and type_name in self._complex:
            complex_node = self._complex[type_name]
        else:
            complex_node = node.find(f"{XSD}complexType")
        if complex_node is None:
            pattern, enumeration = self._lexical(node, type_name)
            return Decl(
                name,
                *occurs,
                max_length=self._max_length(node, type_name),
                pattern=pattern,
                enumeration=enumeration,
                type_name=type_name,
            )
        simple_content = complex_node.find(f"{XSD}simpleContent")
        attributes = tuple(a.get("name") for a in complex_node.iter(f"{XSD}attribute") if a.get("name"))
        if simple_content is not None:
            ext = simple_content[0]
            base = ext.get("base")
            return Decl(name, *occurs, max_length=self._type_max_length(base), attributes=attributes, type_name=base)
        return Decl(
            name,
            *occurs,
            simple=False,
            attributes=attributes,
            _resolver=lambda: self._particles(complex_node),
        )

    def _particles(
        self, container: etree._Element, outer: tuple[int, int | None] = (1, 1), slot: int | None = None
    ) -> list[Decl]:
        """Child declarations in document order; occurrence bounds of enclosing sequences/choices folded in.

        Members of a repeating choice (BillAdd's ItemLineAdd | ItemGroupLineAdd) repeat and share one `slot`,
        so they may interleave in the order given.
        """
        out: list[Decl] = []
        for node in container:
            tag = node.tag
            if tag == f"{XSD}element":
                occurs = _times(_occurs(node), outer)
                ref = node.get("ref")
                if ref:
                    target = self.element(ref)
                    if occurs == (target.min_occurs, target.max_occurs) and slot is None:
                        out.append(target)
                    else:  # same declaration, other occurrence bounds at this place
                        out.append(with_occurs(target, occurs, slot))
                else:
                    decl = self._decl(node, node.get("name"), occurs)
                    decl.slot = slot
                    out.append(decl)
            elif tag in _PARTICLES:
                low, high = _times(_occurs(node), outer)
                if tag == f"{XSD}choice" and len([n for n in node if isinstance(n.tag, str)]) > 1:
                    low = 0  # any one alternative may be absent
                repeating = high is None or high > 1
                inner_slot = slot if slot is not None or not repeating else id(node)
                out.extend(self._particles(node, (low, high), inner_slot))
            elif tag == f"{XSD}group":
                group = self._groups[node.get("ref")] if node.get("ref") else node
                out.extend(self._particles(group, _times(_occurs(node), outer), slot))
        return out

    def _max_length(self, node: etree._Element, type_name: str | None) -> int | None:
        inline = node.find(f"{XSD}simpleType")
        if inline is not None:
            return self._simple_max_length(inline)
        return self._type_max_length(type_name)

    def _lexical(self, node: etree._Element, type_name: str | None) -> tuple[str | None, tuple[str, ...] | None]:
        """The pattern and the enumerated values of a simple element (inline or named type), where it has them."""
        simple = node.find(f"{XSD}simpleType")
        seen: set[str] = set()
        while simple is None and type_name in self._simple and type_name not in seen:
            seen.add(type_name)
            simple = self._simple[type_name]
        pattern: str | None = None
        while simple is not None:
            restriction = simple.find(f"{XSD}restriction")
            if restriction is None:
                break  # a union (BOOLTYPE, DATETYPE): left to the XSD
            values = tuple(e.get("value") for e in restriction.findall(f"{XSD}enumeration"))
            if values:
                return pattern, values
            facet = restriction.find(f"{XSD}pattern")
            if facet is not None and pattern is None:
                pattern = facet.get("value")
            base = restriction.get("base")
            simple = self._simple.get(base) if base not in seen else None
            seen.add(base)
        return pattern, None

    def _type_max_length(self, type_name: str | None) -> int | None:
        if not type_name or type_name not in self._simple:
            return None
        return self._simple_max_length(self._simple[type_name])

    def _simple_max_length(self, simple: etree._Element) -> int | None:
        restriction = simple.find(f"{XSD}restriction")
        if restriction is None:
            return None
        facet = restriction.find(f"{XSD}maxLength")
        if facet is not None:
            return int(facet.get("value"))
        return self._type_max_length(restriction.get("base"))

    # -- validation ----------------------------------------------------------------------------

    @property
    def validator(self) -> etree.XMLSchema:
        if self._validator is None:
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            self._validator = etree.XMLSchema(etree.parse(str(self.path), parser))
        return self._validator

    def errors(self, document: etree._Element | etree._ElementTree) -> list[str]:
        """Schema errors of a whole QBXML document, as 'line N: <element>: message'; empty when valid."""
        if self.validator.validate(document):
            return []
        return [f"line {e.line}: {_element_of(e.path)}: {e.message}" for e in self.validator.error_log]


def _element_of(path: str | None) -> str:
    return (path or "").rsplit("/", 1)[-1] or "document"


def _occurs(node: etree._Element) -> tuple[int, int | None]:
    low = int(node.get("minOccurs", "1"))
    high = node.get("maxOccurs", "1")
    return low, None if high == "unbounded" else int(high)


def _times(inner: tuple[int, int | None], outer: tuple[int, int | None]) -> tuple[int, int | None]:
    """Occurrence bounds of a particle inside an enclosing particle with bounds `outer`."""
    high = None if inner[1] is None or outer[1] is None else inner[1] * outer[1]
    return inner[0] * outer[0], high


@cache
def load(version: str, folder: Path | None = None) -> XsdSchema:
    """The XSD model of `version` under `folder` (default: schema_dir()), parsed once per process."""
    return XsdSchema(version, folder)
