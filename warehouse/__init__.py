"""The staging store: DuckDB and PostgreSQL behind one interface, migrations, bulk load, outbox, audit."""
