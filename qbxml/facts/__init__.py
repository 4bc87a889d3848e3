"""Compiled qbXML schema facts, one JSON file per version (generated: qbsync qbxml compile-schema)."""
