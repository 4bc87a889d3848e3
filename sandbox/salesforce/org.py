"""A simulated Salesforce org: sObjects with their fields (standard ones and the custom ones an admin created),
upsert by external id with Salesforce's rules and per-record errors, a small SOQL reader and the daily API limit."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

# key prefixes of the ids Salesforce gives each object (custom objects get a00 and up)
PREFIXES = {
    "Account": "001",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
}
STANDARD_STAGES = (
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
)  # fmt: skip


@dataclass(frozen=True)
class Field:
    """One field as describe shows it. `required`: not nillable on create and no default (REQUIRED_FIELD_MISSING)."""

    name: str
    type: str = "string"  # string, textarea, boolean, currency, double, date, picklist, reference, id
    length: int = 255
    required: bool = False
    external_id: bool = False
    unique: bool = False
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: str | None = None
    relationship: str | None = None  # e.g. Parent for ParentId
    updateable: bool = True

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.name.removesuffix("__c").replace("_", " "),
            "type": self.type,
            "length": self.length if self.type in ("string", "textarea") else 0,
            "custom": self.name.endswith("__c"),
            "externalId": self.external_id,
            "unique": self.unique,
            "nillable": not self.required and self.type != "boolean",
            "createable": self.type != "id",
            "updateable": self.updateable and self.type != "id",
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v} for v in self.picklist
            ],
            "referenceTo": [self.reference_to] if self.reference_to else [],
            "relationshipName": self.relationship,
        }


def _ref(name: str, to: str, relationship: str, required: bool = False, updateable: bool = True) -> Field:
    return Field(name, "reference", 18, required, reference_to=to, relationship=relationship, updateable=updateable)


_AUDIT = (Field("Id", "id", 18), Field("IsDeleted", "boolean", updateable=False), Field("CreatedDate", "datetime"),
          Field("LastModifiedDate", "datetime"), Field("SystemModstamp", "datetime"))  # fmt: skip
_ADDRESS = tuple(
    Field(f"{kind}{part}", "textarea" if part == "Street" else "string", 255 if part == "Street" else 40)
    for kind in ("Billing", "Shipping")
    for part in ("Street", "City", "State", "PostalCode", "Country")
)
STANDARD: dict[str, tuple[Field, ...]] = {
    "Account": (*_AUDIT, Field("Name", required=True), Field("Type", "picklist"), _ref("ParentId", "Account", "Parent"),
                *_ADDRESS, Field("Phone", length=40), Field("Fax", length=40), Field("AccountNumber", length=40),
                Field("Website"), Field("Description", "textarea", 32000)),
    "Opportunity": (*_AUDIT, Field("Name", required=True), _ref("AccountId", "Account", "Account"),
                    Field("StageName", "picklist", required=True, picklist=STANDARD_STAGES, restricted=True),
                    Field("CloseDate", "date", required=True), Field("Amount", "currency"),
                    Field("Description", "textarea", 32000), _ref("Pricebook2Id", "Pricebook2", "Pricebook2"),
                    Field("IsClosed", "boolean", updateable=False)),
    "Product2": (*_AUDIT, Field("Name", required=True), Field("ProductCode"), Field("Description", "textarea", 4000),
                 Field("IsActive", "boolean"), Field("Family", "picklist")),
    "Pricebook2": (*_AUDIT, Field("Name", required=True), Field("IsActive", "boolean"),
                   Field("IsStandard", "boolean", updateable=False)),
    "PricebookEntry": (*_AUDIT, _ref("Pricebook2Id", "Pricebook2", "Pricebook2", True, False),
                       _ref("Product2Id", "Product2", "Product2", True, False),
                       Field("UnitPrice", "currency", required=True),
                       Field("IsActive", "boolean"), Field("UseStandardPrice", "boolean")),
    "OpportunityLineItem": (*_AUDIT, _ref("OpportunityId", "Opportunity", "Opportunity", True, False),
                            _ref("PricebookEntryId", "PricebookEntry", "PricebookEntry", True, False),
                            _ref("Product2Id", "Product2", "Product2", updateable=False),
                            Field("Quantity", "double", required=True), Field("UnitPrice", "currency"),
                            Field("TotalPrice", "currency"), Field("Description", length=255)),
}  # fmt: skip


class Problem(Exception):
    """A per-record error: Salesforce's statusCode, message and fields."""

    def __init__(self, code: str, message: str, fields: Iterable[str] = ()):
        super().__init__(message)
        self.code, self.message, self.fields = code, message, list(fields)

    def as_error(self, key: str = "statusCode") -> dict[str, Any]:
        """`statusCode` in sObject Collections results, `errorCode` in a whole request's error array."""
        return {key: self.code, "message": self.message, "fields": self.fields}


class Ambiguous(Exception):
    """An external id value that more than one record holds (HTTP 300 on a single-record upsert)."""

    def __init__(self, ids: list[str]):
        super().__init__(ids)
        self.ids = ids


@dataclass
class LimitState:
    """The org's daily API request allowance (Sforce-Limit-Info: api-usage=used/allowed). A day ends with
    `new_day()` or, with `day_seconds`, after that many seconds (a demo compresses a day into seconds); `days` counts
    the days that saw requests, `peak` the most requests any day took, `total` all of them."""

    allowed: int = 15000
    used: int = 0
    day_seconds: float | None = None
    days: int = 1
    peak: int = 0
    total: int = 0
    refused: int = 0  # requests answered 403 because the day's allowance was spent
    _day_started: float = field(default_factory=time.monotonic, repr=False)

    def take(self) -> bool:
        """Count one request against today's allowance; False (not counted) when it is spent."""
        now = time.monotonic()
        if self.used == 0:
            self._day_started = now  # a day's clock starts with its first request
        elif self.day_seconds is not None and now - self._day_started >= self.day_seconds:
            self.new_day()
        if self.used >= self.allowed:
            self.refused += 1
            return False
        self.used += 1
        self.total += 1
        self.peak = max(self.peak, self.used)
        return True

    def new_day(self) -> None:
        """Midnight in the org: the allowance starts again."""
        self.used = 0
        self.days += 1
        self._day_started = time.monotonic()

    @property
    def header(self) -> str:
        return f"api-usage={self.used}/{self.allowed}"


@dataclass
class Org:
    """The org's data and metadata. `custom`: {object: fields an admin created}, including custom objects."""

    custom: dict[str, tuple[Field, ...]] = field(default_factory=dict)
    limits: LimitState = field(default_factory=LimitState)
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _index: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    _lines_of: dict[str, set[str]] = field(default_factory=dict)  # opportunity Id -> its product lines' Ids
    unchanged: Counter[str] = field(default_factory=Counter)  # object -> upserts that changed nothing (re-sends)
    upserts: int = 0  # records received for upsert, every attempt
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        with self.lock:
            self.insert("Pricebook2", {"Name": "Standard Price Book", "IsActive": True, "IsStandard": True})

    # -- metadata ------------------------------------------------------------------------------

    def objects(self) -> list[str]:
        return [*STANDARD, *(name for name in self.custom if name not in STANDARD)]

    def fields(self, obj: str) -> dict[str, Field]:
        if obj not in STANDARD and obj not in self.custom:
            raise Problem("NOT_FOUND", "The requested resource does not exist")
        base = STANDARD.get(obj) or (*_AUDIT, Field("Name", required=True))
        return {f.name: f for f in (*base, *self.custom.get(obj, ()))}

    def describe(self, obj: str) -> dict[str, Any]:
        fields = self.fields(obj)
        return {
            "name": obj,
            "label": obj.removesuffix("__c").replace("_", " "),
            "custom": obj.endswith("__c"),
            "keyPrefix": self._prefix(obj),
            "createable": True,
            "updateable": True,
            "fields": [f.describe() for f in fields.values()],
        }

    def _prefix(self, obj: str) -> str:
        if obj in PREFIXES:
            return PREFIXES[obj]
        customs = [name for name in self.custom if name not in STANDARD]
        return f"a{customs.index(obj):02d}"

    # -- writes --------------------------------------------------------------------------------

    def _new_id(self, obj: str) -> str:
        return f"{self._prefix(obj)}5g00000{next(self._ids):08d}AAA"

    def insert(self, obj: str, values: dict[str, Any]) -> str:
        """Store a record as given (set-up and planted data: no validation)."""
        rid = self._new_id(obj)
        stamp = _now()
        rec = {"Id": rid, "IsDeleted": False, "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}
        rec.update(values)
        self.records.setdefault(obj, {})[rid] = rec
        for name, fld in self.fields(obj).items():
            if fld.external_id and rec.get(name) is not None:
                self._index.setdefault((obj, name), {}).setdefault(str(rec[name]).lower(), []).append(rid)
        return rid

    def matches(self, obj: str, ext_field: str, value: Any) -> list[str]:
        """Ids of the records whose external id `ext_field` is `value` (case-insensitive, as Salesforce compares)."""
        return list(self._index.get((obj, ext_field), {}).get(str(value).lower(), []))

    def upsert(self, obj: str, ext_field: str, values: dict[str, Any]) -> tuple[str, bool]:
        """Create or update the record whose `ext_field` equals values[ext_field]: (id, created); Problem on a bad
        record, Ambiguous when several records hold the value."""
        self.upserts += 1
        fields = self.fields(obj)
        spec = fields.get(ext_field)
        if spec is None or not (spec.external_id or ext_field == "Id"):
            raise Problem("INVALID_FIELD", f"Field {ext_field} is not an external id field of {obj}", [ext_field])
        key = values.get(ext_field)
        if key in (None, ""):
            raise Problem("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{ext_field}]", [ext_field])
        found = self.matches(obj, ext_field, key)
        if len(found) > 1:
            raise Ambiguous(found)
        current = self.records[obj][found[0]] if found else None
        clean = self._validate(obj, fields, values, current)
        if obj == "OpportunityLineItem" and clean.get("Quantity") == 0:
            message = "field integrity exception: Quantity (quantity must be non-zero)"
            raise Problem("FIELD_INTEGRITY_EXCEPTION", message, ["Quantity"])
        if current is not None:
            if all(current.get(name) == value for name, value in clean.items()):
                self.unchanged[obj] += 1
            current.update(clean)
            current["LastModifiedDate"] = current["SystemModstamp"] = _now()
            _line_totals(self, obj, current)
            return found[0], False
        missing = [f.name for f in fields.values() if f.required and clean.get(f.name) in (None, "")]
        if missing:
            raise Problem("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)
        _link_rules(self, obj, clean)
        rid = self.insert(obj, clean)
        _line_totals(self, obj, self.records[obj][rid])
        return rid, True

    def _validate(
        self, obj: str, fields: dict[str, Field], values: dict[str, Any], current: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The record's values as stored; `current` is the record an update changes (its read-only fields stay)."""
        clean: dict[str, Any] = {}
        for name, value in values.items():
            if name == "attributes":
                continue
            if isinstance(value, dict):  # a lookup through the parent's external id: {"Account": {"Ext__c": v}}
                name, value = self._resolve(obj, fields, name, value)
            spec = fields.get(name)
            if spec is None:
                raise Problem("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj}", [name])
            value = _coerce(spec, value)
            if current is not None and not spec.updateable and value != current.get(name):
                raise Problem("INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {name}.", [name])
            clean[name] = value
        return clean

    def _resolve(self, obj: str, fields: dict[str, Field], relationship: str, ref: dict[str, Any]) -> tuple[str, Any]:
        spec = next((f for f in fields.values() if f.relationship == relationship), None)
        if spec is None or len(ref) != 1:
            raise Problem("INVALID_FIELD", f"No such column '{relationship}' on sobject of type {obj}", [relationship])
        (ext_field, value), = ref.items()  # fmt: skip
        found = self.matches(spec.reference_to, ext_field, value)
        if len(found) > 1:
            raise Problem(
                "DUPLICATE_EXTERNAL_ID",
                f"Foreign key external ID: {value} matched more than one record for field {ext_field} in entity "
                f"{spec.reference_to}: {found}",
                [spec.name],
            )
        if not found:
            raise Problem(
                "INVALID_FIELD",
                f"Foreign key external ID: {value} not found for field {ext_field} in entity {spec.reference_to}",
                [spec.name],
            )
        return spec.name, found[0]

    # -- reads ---------------------------------------------------------------------------------

    def query(self, soql: str) -> list[dict[str, Any]]:
        """The rows of `SELECT f, ... FROM Obj [WHERE f = v [AND ...] | f IN (v, ...)] [ORDER BY f] [LIMIT n]`."""
        parsed = _SOQL.fullmatch(soql.strip())
        if parsed is None:
            raise Problem("MALFORMED_QUERY", f"unexpected token in: {soql[:80]}")
        obj = parsed["obj"]
        fields = self.fields(obj)
        columns = [c.strip() for c in parsed["fields"].split(",")]
        for col in columns:
            if col.split(".")[0] not in fields and col != "Id":
                raise Problem("INVALID_FIELD", f"No such column '{col}' on entity '{obj}'.", [col])
        conditions = _conditions(parsed["where"] or "")
        rows = [r for r in self.records.get(obj, {}).values() if all(_holds(r, c) for c in conditions)]
        if parsed["order"]:
            rows.sort(key=lambda r: str(r.get(parsed["order"]) or ""))
        if parsed["limit"]:
            rows = rows[: int(parsed["limit"])]
        return [{"attributes": {"type": obj}, **{c: r.get(c) for c in columns}} for r in rows]


_SOQL = re.compile(
    r"SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>\w+))?(?:\s+LIMIT\s+(?P<limit>\d+))?",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"(?P<field>\w+)\s*(?:(?P<eq>=)\s*(?P<value>'(?:[^'\\]|\\.)*'|\w+)|IN\s*\((?P<values>[^)]*)\))",
                        re.IGNORECASE)  # fmt: skip


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("'"):
        return text[1:-1].replace("\\'", "'")
    return {"true": True, "false": False, "null": None}.get(text.lower(), text)


def _conditions(where: str) -> list[tuple[str, list[Any]]]:
    out = []
    for part in re.split(r"\s+AND\s+", where, flags=re.IGNORECASE) if where else []:
        m = _CONDITION.fullmatch(part.strip())
        if m is None:
            raise Problem("MALFORMED_QUERY", f"unexpected condition: {part[:80]}")
        values = [m["value"]] if m["eq"] else re.findall(r"'(?:[^'\\]|\\.)*'|[^,\s]+", m["values"])
        out.append((m["field"], [_literal(v) for v in values]))
    return out


def _holds(rec: dict[str, Any], condition: tuple[str, list[Any]]) -> bool:
    name, values = condition
    value = rec.get(name)
    return any(value == v or (isinstance(v, str) and str(value).lower() == v.lower()) for v in values)


def _coerce(spec: Field, value: Any) -> Any:
    if value is None or value == "":
        if spec.required:
            raise Problem("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{spec.name}]", [spec.name])
        return None
    if spec.type in ("currency", "double"):
        try:
            return float(Decimal(str(value)))
        except InvalidOperation:
            raise Problem("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{spec.name}: value not of required type: {value}",
                          [spec.name]) from None  # fmt: skip
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise Problem(
            "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{spec.name}: value not of required type: {value}", [spec.name]
        )
    if spec.type == "date":
        try:
            return datetime.strptime(str(value), "%Y-%m-%d").date().isoformat()
        except ValueError:
            raise Problem("INVALID_TYPE_ON_FIELD_IN_RECORD", f"{spec.name}: value not of required type: {value}",
                          [spec.name]) from None  # fmt: skip
    text = str(value)
    if spec.type == "picklist" and spec.restricted and text not in spec.picklist:
        raise Problem("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", f"{spec.name}: bad value for restricted picklist "
                      f"field: {text}", [spec.name])  # fmt: skip
    if spec.type in ("string", "textarea", "picklist") and len(text) > spec.length:
        raise Problem("STRING_TOO_LONG", f"{spec.name}: data value too large: {text[:40]} (max length={spec.length})",
                      [spec.name])  # fmt: skip
    return text


def _link_rules(org: Org, obj: str, rec: dict[str, Any]) -> None:
    """Cross-record rules on create: a product line's price book entry must be in its opportunity's price book."""
    if obj != "OpportunityLineItem":
        return
    entry = org.records["PricebookEntry"][rec["PricebookEntryId"]]
    opportunity = org.records["Opportunity"][rec["OpportunityId"]]
    if opportunity.get("Pricebook2Id") not in (None, entry["Pricebook2Id"]):
        message = "field integrity exception: PricebookEntryId (pricebook entry is in a different pricebook than the "
        raise Problem("FIELD_INTEGRITY_EXCEPTION", message + "one assigned to the opportunity)", ["PricebookEntryId"])
    opportunity.setdefault("Pricebook2Id", entry["Pricebook2Id"])
    rec["Product2Id"] = entry["Product2Id"]
    rec.setdefault("UnitPrice", entry["UnitPrice"])


def _line_totals(org: Org, obj: str, rec: dict[str, Any]) -> None:
    """A product line's TotalPrice, and its opportunity's Amount as the sum of its lines (Salesforce keeps both)."""
    if obj != "OpportunityLineItem":
        return
    rec["TotalPrice"] = round(rec["Quantity"] * rec["UnitPrice"], 2)
    opportunity = org.records["Opportunity"][rec["OpportunityId"]]
    mine = org._lines_of.setdefault(opportunity["Id"], set())
    mine.add(rec["Id"])
    lines = org.records["OpportunityLineItem"]
    opportunity["Amount"] = round(sum(lines[i]["TotalPrice"] for i in mine), 2)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
