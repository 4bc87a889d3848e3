"""Dagster resources, imported by assets/ and pipelines/ alike: the warehouse and one API resource per source."""
