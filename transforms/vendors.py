"""Vendor matching in SQL: source supplier -> QuickBooks vendor by ListID, then external ID, then normalized name,
then address.

Every source's suppliers, for every company that source feeds (company_sources). A supplier whose id or number is
a ListID of the company's vendors is that vendor (the source got it from QuickBooks: Basware's vendors imported from
QuickBooks carry the ListID as vendorCode and externalCode). The external ID is the AccountNumber `<SYSTEM>-<supplier
id>` we write on every vendor we create, so later runs match it directly. Unmatched suppliers follow the company's
policy: `create` (a new QuickBooks vendor, name unique and at most 41 characters) or `review` (documents held until
someone links the supplier).
"""

from __future__ import annotations

from datetime import datetime

from qbxml.schema import max_length
from sources.keys import external_id_sql, record_key_sql
from transforms.policy import setting
from transforms.sqltext import ts

# (company, source_system) for every source instance that feeds a company (source_system: the instance's source key).
FEEDS = "(SELECT DISTINCT company, source_system FROM company_feeds)"
NAME_MAX = max_length(("VendorAdd", "Name"))  # QuickBooks name-list limit
LEGAL_SUFFIXES = (
    "inc", "incorporated", "llc", "l l c", "llp", "lp", "ltd", "limited", "gmbh", "corp", "corporation", "co",
    "company", "plc", "sa", "ag", "bv", "nv", "pty", "srl", "sarl", "oy", "ab", "kg",
)  # fmt: skip


def normalized_name(expr: str) -> str:
    """SQL: lower case, punctuation to spaces, single spaces, trailing legal suffixes (Inc, LLC, GmbH...) removed."""
    spaced = f"trim(regexp_replace(lower(coalesce({expr}, '')), '[^a-z0-9]+', ' ', 'g'))"
    suffixes = "|".join(LEGAL_SUFFIXES)
    return f"trim(regexp_replace(' ' || {spaced}, '( ({suffixes}))+$', '', 'g'))"


def normalized_address(line1: str, postal_code: str) -> str:
    """SQL: street line and the first five postal-code characters, alphanumerics only; NULL when either is blank."""
    street = f"regexp_replace(lower(coalesce({line1}, '')), '[^a-z0-9]+', '', 'g')"
    postal = f"substr(regexp_replace(lower(coalesce({postal_code}, '')), '[^a-z0-9]+', '', 'g'), 1, 5)"
    return f"CASE WHEN {street} <> '' AND {postal} <> '' THEN {street} || '|' || {postal} END"


def suffixed_name(base: str, source_id: str) -> str:
    """SQL: the vendor name `base` made unique with the supplier's id (`Acme #17`), within QuickBooks' limit."""
    suffix = f"' #' || {source_id}"
    return f"rtrim(substr({base}, 1, {NAME_MAX} - length({suffix}))) || {suffix}"


# How a supplier can match a QuickBooks vendor, most trusted first: SQL joining supplier `s` to vendor `v`. A ListID
# or name or address that fits more than one vendor matches none; an external ID takes the first.
CANDIDATES = {
    "list_id": ("v.list_id = s.source_id", "v.list_id = s.supplier_number"),
    "external_id": (f"v.account_number = {external_id_sql('s.source_system', 's.source_id')}",),
    "name": ("v.nname = s.nname AND s.nname <> ''",),
    "address": ("v.naddr = s.naddr",),
}
METHODS = ("operator", *CANDIDATES)  # an operator's link (vendor_links) wins over every other match
OPERATOR_LINKS = (
    f"SELECT l.company, l.source_system, l.supplier_source_id, {METHODS.index('operator')}, v.list_id, v.vendor_name "
    "FROM vendor_links l JOIN qb_vendors v ON v.company = l.company AND v.list_id = l.qb_list_id"
)


# The run's suppliers with their normalized name and address, and the vendor each matched (if any): temporary tables,
# so PostgreSQL plans the final join on their real sizes. It misjudged a CTE of matches as one row and scanned it
# again for every supplier: a 10,000-record company's matching ran for more than 25 minutes.
SUPPLIERS = "_match_suppliers"
FOUND = "_match_found"


def _candidates() -> str:
    """SQL: every (supplier, method priority, vendor) pair that could match, one UNION ALL of equality joins."""
    joins = [
        f"SELECT s.company, s.source_system, s.source_id, {METHODS.index(method)}, v.list_id, v.vendor_name "
        f"FROM {SUPPLIERS} s JOIN v ON v.company = s.company AND {on} AND (v.active OR NOT s.active)"
        for method, ons in CANDIDATES.items()
        for on in ons
    ]
    return " UNION ALL ".join([OPERATOR_LINKS, *joins])


def match_vendors(matched_at: datetime) -> list[str]:
    """Upsert vendor_matches for every supplier and company it feeds; matched_at moves only when the match changes.

    A name chosen for a vendor to create sticks once its VendorAdd is queued, so a bill never names a vendor
    other than the one queued for creation. An operator's link (vendor_links) wins over every other match. An
    inactive QuickBooks vendor matches only a supplier the source deactivated too (it stays that supplier's).
    """
    name = f"coalesce(st.qb_name, rtrim(substr(trim(st.supplier_name), 1, {NAME_MAX})))"
    return [
        *_drop_temporary(),
        f"CREATE TEMP TABLE {SUPPLIERS} AS "
        "SELECT c.company, CASE WHEN c.vendor_policy = 'review' OR "
        f"{setting('vendor_policy', 'c.company', 'st.source_system')} = 'review' THEN 'review' END AS vendor_policy, "
        "st.source_system, st.source_id, st.supplier_number, st.is_active IS NOT FALSE AS active, "
        f"{name} AS supplier_name, count(*) OVER (PARTITION BY c.company, lower({name})) AS same_name, "
        f"{normalized_name('st.supplier_name')} AS nname, "
        f"{normalized_address('st.address_line1', 'st.postal_code')} AS naddr "
        f"FROM stg_suppliers st JOIN {FEEDS} fed ON fed.source_system = st.source_system "
        "JOIN companies c ON c.company = fed.company",
        f"CREATE TEMP TABLE {FOUND} AS "
        "WITH v AS ("
        "  SELECT company, list_id, vendor_name, account_number, is_active IS NOT FALSE AS active, "
        f"  {normalized_name('vendor_name')} AS nname, {normalized_address('address_line1', 'postal_code')} AS naddr "
        "  FROM qb_vendors"
        f"), candidate (company, source_system, source_id, priority, list_id, vendor_name) AS ({_candidates()}"
        "), found AS ("
        "  SELECT company, source_system, source_id, priority, min(list_id) AS list_id, "
        "  min(vendor_name) AS vendor_name, "
        "  row_number() OVER (PARTITION BY company, source_system, source_id ORDER BY priority) AS pick "
        "  FROM candidate GROUP BY company, source_system, source_id, priority "
        f"  HAVING count(DISTINCT list_id) = 1 OR priority = {METHODS.index('external_id')}"
        ") "
        "SELECT company, source_system, source_id, list_id, vendor_name, CASE priority "
        + "".join(f"WHEN {priority} THEN '{method}' " for priority, method in enumerate(METHODS))
        + "END AS method FROM found WHERE pick = 1",
        "INSERT INTO vendor_matches (company, source_system, supplier_source_id, record_key, match_method, "
        "qb_list_id, qb_vendor_name, matched_at) "
        "SELECT s.company, s.source_system, s.source_id, "
        f"{record_key_sql('s.source_system', 'supplier', 's.source_id')}, "
        "CASE WHEN m.list_id IS NOT NULL THEN m.method WHEN s.vendor_policy = 'review' THEN 'review' "
        "ELSE 'create' END, "
        "m.list_id, "
        "coalesce(m.vendor_name, "
        "  CASE WHEN prev.match_method = 'create' AND queued.dedup_key IS NOT NULL THEN prev.qb_vendor_name END, "
        "  CASE WHEN s.same_name > 1 OR taken.lname IS NOT NULL "
        f"  THEN {suffixed_name('s.supplier_name', 's.source_id')} ELSE s.supplier_name END), "
        f"{ts(matched_at)} "
        f"FROM {SUPPLIERS} s LEFT JOIN {FOUND} m ON m.company = s.company "
        "AND m.source_system = s.source_system AND m.source_id = s.source_id "
        "LEFT JOIN (SELECT company, lower(vendor_name) AS lname FROM qb_vendors GROUP BY company, lower(vendor_name)) "
        "taken ON taken.company = s.company AND taken.lname = lower(s.supplier_name) "
        "LEFT JOIN vendor_matches prev ON prev.company = s.company AND prev.source_system = s.source_system "
        "AND prev.supplier_source_id = s.source_id "
        "LEFT JOIN qbxml_outbox queued ON queued.company = s.company AND queued.dedup_key = "
        f"{vendor_add_key('s.source_system', 's.source_id')} "
        "ON CONFLICT (company, source_system, supplier_source_id) DO UPDATE SET "
        "match_method = EXCLUDED.match_method, qb_list_id = EXCLUDED.qb_list_id, "
        "qb_vendor_name = EXCLUDED.qb_vendor_name, matched_at = EXCLUDED.matched_at "
        "WHERE vendor_matches.match_method IS DISTINCT FROM EXCLUDED.match_method "
        "OR vendor_matches.qb_list_id IS DISTINCT FROM EXCLUDED.qb_list_id "
        "OR vendor_matches.qb_vendor_name IS DISTINCT FROM EXCLUDED.qb_vendor_name",
        *_drop_temporary(),
    ]


def _drop_temporary() -> list[str]:
    return [f"DROP TABLE IF EXISTS {SUPPLIERS}", f"DROP TABLE IF EXISTS {FOUND}"]


def vendor_add_key(system_expr: str, supplier_id_expr: str) -> str:
    """SQL: the outbox dedup key of the VendorAdd for a supplier."""
    return f"{record_key_sql(system_expr, 'supplier', supplier_id_expr)} || ':add'"
