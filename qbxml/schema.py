"""qbXML's element model per version (order, occurrence, maxLength, enumerations, patterns), from compiled facts.

The facts (`qbxml/facts/*.json`) are generated from Intuit's XSD sets by `qbsync qbxml compile-schema XSD_DIR`
(see qbxml/compile_schema.py); the product reads nothing else at run time. Validation against the XSD files
themselves lives in qbxml/xsd.py (tests, `qbsync qbxml validate`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

FACTS_PACKAGE = "qbxml.facts"


class SchemaNotFound(RuntimeError):
    """No qbXML schema (compiled facts, or XSD files where those are asked for) for a version."""


def parse_version(version: str) -> tuple[int, int]:
    """'16.0' -> (16, 0); also accepts the country-prefixed form 'CA3.0'."""
    text = version.strip().lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def facts_name(version: str) -> str:
    return f"qbxml-{version}.json"


@cache
def schema_versions() -> tuple[str, ...]:
    """The versions the package holds compiled facts for, oldest first."""
    names = [f.name for f in resources.files(FACTS_PACKAGE).iterdir() if f.name.startswith("qbxml-")]
    found = [n.removeprefix("qbxml-").removesuffix(".json") for n in names]
    return tuple(sorted(found, key=parse_version))


@cache
def supported_version(requested: str) -> str:
    """The schema version to write for a requested version: the newest we hold that is not newer."""
    wanted = parse_version(requested)
    usable = [v for v in schema_versions() if parse_version(v) <= wanted]
    if not usable:
        raise ValueError(f"qbXML version {requested} is older than every schema we hold {schema_versions()}")
    return usable[-1]


@dataclass(eq=False)
class Decl:
    """One element declaration: its children in schema order, occurrence bounds and text rules."""

    name: str
    min_occurs: int = 1
    max_occurs: int | None = 1  # None = unbounded
    max_length: int | None = None
    simple: bool = True
    attributes: tuple[str, ...] = ()
    pattern: str | None = None  # XSD pattern of the text (AMTTYPE: two decimals), anchored at both ends
    enumeration: tuple[str, ...] | None = None  # the allowed values of an enumerated type
    slot: int | None = None  # shared by the members of one repeating choice: they keep the order given
    type_name: str | None = None  # the named simple type of the text (BOOLTYPE, DATETIMETYPE, ...)
    _children: list[Decl] | None = field(default=None, repr=False)
    _resolver: object = field(default=None, repr=False)

    @property
    def children(self) -> list[Decl]:
        if self._children is None:
            self._children = self._resolver() if self._resolver else []
            self._resolver = None
        return self._children

    @property
    def index(self) -> dict[str, tuple[int, Decl]]:
        """Child name -> (position, declaration); the first position wins where a name repeats.

        Members of one repeating choice share the position of its first member (any order among them is valid).
        """
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {}
            slot_pos: dict[int, int] = {}
            for pos, child in enumerate(self.children):
                at = pos if child.slot is None else slot_pos.setdefault(child.slot, pos)
                cached.setdefault(child.name, (at, child))
            self.__dict__["_index"] = cached
        return cached

    def child(self, name: str) -> Decl | None:
        hit = self.index.get(name)
        return hit[1] if hit else None

    @property
    def repeats(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1


def with_occurs(decl: Decl, occurs: tuple[int, int | None], slot: int | None = None) -> Decl:
    """The same declaration at another place: other occurrence bounds (and choice slot), the same children."""
    copy = Decl(
        decl.name,
        *occurs,
        max_length=decl.max_length,
        simple=decl.simple,
        attributes=decl.attributes,
        pattern=decl.pattern,
        enumeration=decl.enumeration,
        slot=slot,
        type_name=decl.type_name,
    )
    copy._resolver = lambda: decl.children
    return copy


class ElementModel:
    """What every qbXML element model answers from its `element(name)`: the request and response wrappers."""

    version: str
    _global: dict[str, Decl]
    _elements: dict

    def element(self, name: str) -> Decl:
        """The global element `name` (e.g. 'VendorAdd', 'QBXMLMsgsRq')."""
        decl = self._global.get(name)
        if decl is None:
            if name not in self._elements:
                raise KeyError(f"qbXML {self.version} has no element {name}")
            decl = self._global[name] = self._global_decl(name)
        return decl

    def _global_decl(self, name: str) -> Decl:
        raise NotImplementedError

    def global_names(self) -> list[str]:
        return list(self._elements)

    def request(self, op: str) -> Decl:
        """The `<opRq>` wrapper declaration, e.g. request('VendorAdd') for VendorAddRq."""
        return self.element("QBXMLMsgsRq").child(f"{op}Rq") or _missing(self.version, f"{op}Rq")

    def response(self, op: str) -> Decl:
        """The `<opRs>` wrapper declaration, e.g. response('VendorQuery') for VendorQueryRs."""
        return self.element("QBXMLMsgsRs").child(f"{op}Rs") or _missing(self.version, f"{op}Rs")

    def has_request(self, op: str) -> bool:
        return self.element("QBXMLMsgsRq").child(f"{op}Rq") is not None


class QbxmlSchema(ElementModel):
    """The element model of one qbXML version, read from its compiled facts.

    Facts: `shapes` = [name, maxLength, simple, attributes, pattern, enumeration, type, children], each child
    [shape, minOccurs, maxOccurs (null = unbounded), choice slot]; `elements` = global element name -> shape.
    """

    def __init__(self, version: str, facts: dict):
        self.version = version
        self._shapes: list[list] = facts["shapes"]
        self._elements: dict[str, int] = facts["elements"]
        self._global: dict[str, Decl] = {}
        self._children: dict[int, list[Decl]] = {}

    def _global_decl(self, name: str) -> Decl:
        return self._decl(self._elements[name], 1, 1, None)

    def _decl(self, shape: int, low: int, high: int | None, slot: int | None) -> Decl:
        name, max_length, simple, attributes, pattern, enumeration, type_name, _ = self._shapes[shape]
        return Decl(
            name,
            low,
            high,
            max_length=max_length,
            simple=bool(simple),
            attributes=tuple(attributes),
            pattern=pattern,
            enumeration=tuple(enumeration) if enumeration is not None else None,
            slot=slot,
            type_name=type_name,
            _resolver=None if simple else (lambda: self._children_of(shape)),
        )

    def _children_of(self, shape: int) -> list[Decl]:
        """One list per shape, shared by every place the shape appears."""
        found = self._children.get(shape)
        if found is None:
            found = self._children[shape] = [self._decl(*child) for child in self._shapes[shape][7]]
        return found


def _missing(version: str, name: str):
    raise KeyError(f"qbXML {version} has no request or response named {name}")


@cache
def load(version: str) -> QbxmlSchema:
    """The model of `version` (exact: '13.0' or '16.0'), read from the package's facts once per process."""
    try:
        text = resources.files(FACTS_PACKAGE).joinpath(facts_name(version)).read_text()
    except FileNotFoundError:
        raise SchemaNotFound(f"no compiled qbXML {version} facts in the package ({schema_versions()})") from None
    return QbxmlSchema(version, json.loads(text))


def for_version(requested: str) -> QbxmlSchema:
    """The schema to write a requested version with (see supported_version)."""
    return load(supported_version(requested))


@cache
def max_length(path: tuple[str, ...], version: str | None = None) -> int | None:
    """The maxLength the schema of `version` (or the newest older one we hold) sets for an element path such as
    ("BillAdd", "RefNumber"); without a version, the shortest of every version we hold (what fits all of them)."""
    if version is None:
        found = [max_length(path, v) for v in schema_versions()]
        return min((n for n in found if n is not None), default=None)
    decl: Decl | None = for_version(version).element(path[0])
    for name in path[1:]:
        decl = decl.child(name)
        if decl is None:
            return None
    return decl.max_length
