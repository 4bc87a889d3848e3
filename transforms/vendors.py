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


def match_vendors(matched_at: datetime) -> list[str]:
    """Upsert vendor_matches for every supplier and company it feeds; matched_at moves only when the match changes.

    A name chosen for a vendor to create sticks once its VendorAdd is queued, so a bill never names a vendor
    other than the one queued for creation. An operator's link (vendor_links) wins over every other match. An
    inactive QuickBooks vendor matches only a supplier the source deactivated too (it stays that supplier's).
    """
    return [
        "INSERT INTO vendor_matches (company, source_system, supplier_source_id, record_key, match_method, "
        "qb_list_id, qb_vendor_name, matched_at) "
        "WITH s AS ("
        "  SELECT c.company, CASE WHEN c.vendor_policy = 'review' OR "
        f"  {setting('vendor_policy', 'c.company', 'st.source_system')} = 'review' THEN 'review' END AS vendor_policy, "
        "  st.source_system, st.source_id, st.supplier_number, st.is_active IS NOT FALSE AS active, "
        f"  coalesce(st.qb_name, rtrim(substr(trim(st.supplier_name), 1, {NAME_MAX}))) AS supplier_name, "
        f"  {normalized_name('st.supplier_name')} AS nname, "
        f"  {normalized_address('st.address_line1', 'st.postal_code')} AS naddr "
        f"  FROM stg_suppliers st JOIN {FEEDS} fed ON fed.source_system = st.source_system "
        "  JOIN companies c ON c.company = fed.company"
        "), v AS ("
        "  SELECT company, list_id, vendor_name, account_number, is_active IS NOT FALSE AS active, "
        f"  {normalized_name('vendor_name')} AS nname, {normalized_address('address_line1', 'postal_code')} AS naddr "
        "  FROM qb_vendors"
        "), op AS ("
        "  SELECT l.company, l.source_system, l.supplier_source_id AS source_id, l.qb_list_id AS list_id, "
        "  v.vendor_name FROM vendor_links l JOIN qb_vendors v ON v.company = l.company AND v.list_id = l.qb_list_id"
        "), lid AS ("
        "  SELECT s.company, s.source_system, s.source_id, min(v.list_id) AS list_id, "
        "  min(v.vendor_name) AS vendor_name FROM s "
        "  JOIN v ON v.company = s.company AND v.list_id IN (s.source_id, s.supplier_number) "
        "  AND (v.active OR NOT s.active) "
        "  GROUP BY s.company, s.source_system, s.source_id HAVING count(*) = 1"
        "), ext AS ("
        "  SELECT s.company, s.source_system, s.source_id, min(v.list_id) AS list_id, "
        "  min(v.vendor_name) AS vendor_name FROM s "
        f"  JOIN v ON v.company = s.company AND v.account_number = {external_id_sql('s.source_system', 's.source_id')} "
        " AND (v.active OR NOT s.active) "
        "  GROUP BY s.company, s.source_system, s.source_id"
        "), nm AS ("
        "  SELECT s.company, s.source_system, s.source_id, min(v.list_id) AS list_id, "
        "  min(v.vendor_name) AS vendor_name FROM s "
        "  JOIN v ON v.company = s.company AND v.nname = s.nname AND s.nname <> '' AND (v.active OR NOT s.active) "
        "  GROUP BY s.company, s.source_system, s.source_id HAVING count(*) = 1"
        "), ad AS ("
        "  SELECT s.company, s.source_system, s.source_id, min(v.list_id) AS list_id, "
        "  min(v.vendor_name) AS vendor_name FROM s "
        "  JOIN v ON v.company = s.company AND v.naddr = s.naddr AND (v.active OR NOT s.active) "
        "  GROUP BY s.company, s.source_system, s.source_id HAVING count(*) = 1"
        "), fresh AS ("
        "  SELECT s.company, s.source_system, s.source_id, s.supplier_name AS base, "
        "  count(*) OVER (PARTITION BY s.company, lower(s.supplier_name)) AS same_name FROM s"
        ") "
        "SELECT s.company, s.source_system, s.source_id, "
        f"{record_key_sql('s.source_system', 'supplier', 's.source_id')}, "
        "CASE WHEN op.list_id IS NOT NULL THEN 'operator' WHEN lid.list_id IS NOT NULL THEN 'list_id' "
        "WHEN ext.list_id IS NOT NULL THEN 'external_id' "
        "WHEN nm.list_id IS NOT NULL THEN 'name' "
        "WHEN ad.list_id IS NOT NULL THEN 'address' WHEN s.vendor_policy = 'review' THEN 'review' ELSE 'create' END, "
        "coalesce(op.list_id, lid.list_id, ext.list_id, nm.list_id, ad.list_id), "
        "coalesce(op.vendor_name, lid.vendor_name, ext.vendor_name, nm.vendor_name, ad.vendor_name, "
        "  CASE WHEN prev.match_method = 'create' AND queued.dedup_key IS NOT NULL THEN prev.qb_vendor_name END, "
        "  CASE WHEN f.same_name > 1 OR EXISTS (SELECT 1 FROM qb_vendors q WHERE q.company = s.company "
        "    AND lower(q.vendor_name) = lower(f.base)) "
        f"  THEN {suffixed_name('f.base', 's.source_id')} ELSE f.base END), "
        f"{ts(matched_at)} "
        "FROM s JOIN fresh f ON f.company = s.company AND f.source_system = s.source_system "
        "AND f.source_id = s.source_id "
        + "".join(
            f"LEFT JOIN {t} ON {t}.company = s.company AND {t}.source_system = s.source_system "
            f"AND {t}.source_id = s.source_id "
            for t in ("op", "lid", "ext", "nm", "ad")
        )
        + "LEFT JOIN vendor_matches prev ON prev.company = s.company AND prev.source_system = s.source_system "
        "AND prev.supplier_source_id = s.source_id "
        "LEFT JOIN qbxml_outbox queued ON queued.company = s.company AND queued.dedup_key = "
        f"{vendor_add_key('s.source_system', 's.source_id')} "
        "ON CONFLICT (company, source_system, supplier_source_id) DO UPDATE SET "
        "match_method = EXCLUDED.match_method, qb_list_id = EXCLUDED.qb_list_id, "
        "qb_vendor_name = EXCLUDED.qb_vendor_name, matched_at = EXCLUDED.matched_at "
        "WHERE vendor_matches.match_method IS DISTINCT FROM EXCLUDED.match_method "
        "OR vendor_matches.qb_list_id IS DISTINCT FROM EXCLUDED.qb_list_id "
        "OR vendor_matches.qb_vendor_name IS DISTINCT FROM EXCLUDED.qb_vendor_name"
    ]


def vendor_add_key(system_expr: str, supplier_id_expr: str) -> str:
    """SQL: the outbox dedup key of the VendorAdd for a supplier."""
    return f"{record_key_sql(system_expr, 'supplier', supplier_id_expr)} || ':add'"
