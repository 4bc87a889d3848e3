"""One small interface over the DuckDB and PostgreSQL backends: short connections, bulk load, upsert."""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from warehouse import config, migrations
from warehouse.duckdb_files import OPEN_FILES
from warehouse.errors import OperatorError

Params = Sequence[Any] | None
JSON_TYPES = ("JSON", "jsonb")
PLAIN = frozenset({str, int, bool, datetime, date, Decimal})  # bound as they are
_COLUMN_TYPES: dict[tuple[str, str], dict[str, str]] = {}


class Array(list):
    """A parameter bound as an SQL array (a plain list or dict parameter is bound as JSON text)."""


class Conn:
    """A connection inside one transaction. SQL uses `?` placeholders on both backends."""

    def __init__(self, raw: Any, backend: str):
        self.raw = raw
        self.backend = backend

    # -- statements ------------------------------------------------------------------------------

    def execute(self, sql: str, params: Params = None) -> None:
        self._run(sql, params)

    def changed(self, sql: str, params: Params = None) -> int:
        """Run an INSERT/UPDATE/DELETE; the number of rows it wrote."""
        if self.backend == "duckdb":
            return self._run(sql, params).fetchone()[0]
        with self.raw.cursor() as cur:
            cur.execute(_pg_sql(sql) if params is not None else sql, _py(params))
            return cur.rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.backend == "duckdb":
            self.raw.executemany(sql, [_py(r) for r in rows])
        else:
            with self.raw.cursor() as cur:
                cur.executemany(_pg_sql(sql), [_py(r) for r in rows])

    def fetchall(self, sql: str, params: Params = None) -> list[tuple]:
        if self.backend == "duckdb":
            return self._run(sql, params).fetchall()
        with self.raw.cursor() as cur:
            cur.execute(_pg_sql(sql) if params is not None else sql, _py(params))
            return cur.fetchall() if cur.description else []

    def fetchone(self, sql: str, params: Params = None) -> tuple | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Params = None) -> Any:
        row = self.fetchone(sql, params)
        return row[0] if row else None

    def records(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        if self.backend == "duckdb":
            cur = self._run(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        with self.raw.cursor() as cur:
            cur.execute(_pg_sql(sql) if params is not None else sql, _py(params))
            names = [d.name for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def df(self, sql: str, params: Params = None) -> pd.DataFrame:
        if self.backend == "duckdb":
            return self._run(sql, params).df()
        with self.raw.cursor() as cur:
            cur.execute(_pg_sql(sql) if params is not None else sql, _py(params))
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def columns(self, table: str) -> list[str]:
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            + ("AND table_schema = current_schema() " if self.backend == "postgres" else "")
            + "ORDER BY ordinal_position"
        )
        return [r[0] for r in self.fetchall(sql, [table])]

    # -- bulk --------------------------------------------------------------------------------------

    def load(self, table: str, frame: pd.DataFrame) -> int:
        """Append every row of `frame` to `table` in one statement (DuckDB: Arrow scan; PostgreSQL: COPY)."""
        if frame.empty:
            return 0
        frame = _prepare(frame)
        cols = ", ".join(_q(c) for c in frame.columns)
        if self.backend == "duckdb":
            self._from_frame(frame, lambda view: f"INSERT INTO {_q(table)} ({cols}) SELECT {cols} FROM {view}")
        else:
            self._copy(table, frame, cols)
        return len(frame)

    def insert_rows(self, table: str, rows: Sequence[dict[str, Any]], on_conflict: str = "") -> int:
        """Append `rows` (dicts with the same keys, columns of `table`) in one statement, without pandas: each column
        travels as one array parameter (`rows_sql`). `on_conflict`: an ON CONFLICT clause to add."""
        if not rows:
            return 0
        names = list(rows[0])
        select, params = self.rows_sql(table, rows, names)
        cols = ", ".join(_q(c) for c in names)
        self.execute(f"INSERT INTO {_q(table)} ({cols}) {select} {on_conflict}", params)
        return len(rows)

    def upsert_rows(self, table: str, rows: Sequence[dict[str, Any]], key: Sequence[str], update: bool = True) -> int:
        """`upsert` for a list of dicts (the last row of a key wins), without pandas."""
        unique = list({tuple(r[k] for k in key): r for r in rows}.values())
        if not unique:
            return 0
        rest = [c for c in unique[0] if c not in key]
        keys = ", ".join(_q(k) for k in key)
        if update and rest:
            action = "DO UPDATE SET " + ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in rest)
        else:
            action = "DO NOTHING"
        return self.insert_rows(table, unique, f"ON CONFLICT ({keys}) {action}")

    def rows_sql(self, table: str, rows: Sequence[dict[str, Any]], names: Sequence[str]) -> tuple[str, list]:
        """(SELECT of `rows` as a derived table with columns `names` typed as `table`'s, its parameters): one array
        per column, unnested side by side, so a batch costs one parameter per column on both backends."""
        types = self.column_types(table)
        if not set(names) <= set(types):  # a migration added columns since they were read
            _COLUMN_TYPES.pop((self.backend, table))
            types = self.column_types(table)
        parts, params = [], []
        for name in names:
            kind = types[name]
            array = "VARCHAR" if kind in JSON_TYPES else kind
            value = f"unnest(CAST(? AS {array}[]))"
            parts.append(f"CAST({value} AS {kind}) AS {_q(name)}" if kind in JSON_TYPES else f"{value} AS {_q(name)}")
            params.append(Array(_cell(r.get(name), kind) for r in rows))
        return "SELECT " + ", ".join(parts), params

    def column_types(self, table: str) -> dict[str, str]:
        """Column -> SQL type of `table` (cached per backend: migrations define one shape for every schema)."""
        cached = _COLUMN_TYPES.get((self.backend, table))
        if cached is None:
            if self.backend == "duckdb":
                sql = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?"
            else:
                sql = (
                    "SELECT column_name, CASE WHEN data_type = 'numeric' THEN 'numeric' ELSE udt_name END "
                    "FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()"
                )
            cached = dict(self.fetchall(sql, [table]))
            if not cached:
                raise ValueError(f"no table {table}")
            _COLUMN_TYPES[(self.backend, table)] = cached
        return cached

    def stage(self, frame: pd.DataFrame, like: str) -> str:
        """Put `frame` in a temporary table shaped like table `like` (dropped at commit); returns its name.

        The hand-off for set work in SQL: stage a batch, then INSERT/UPDATE ... SELECT from it.
        """
        frame = _prepare(frame)
        name = f"_stage_{uuid.uuid4().hex}"
        cols = ", ".join(_q(c) for c in frame.columns)
        if self.backend == "duckdb":
            self._from_frame(frame, lambda view: f"CREATE TEMP TABLE {name} AS SELECT {cols} FROM {view}")
        else:
            with self.raw.cursor() as cur:
                cur.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS SELECT {cols} FROM {_q(like)} WITH NO DATA")
            self._copy(name, frame, cols)
        return name

    def upsert(self, table: str, frame: pd.DataFrame, key: Sequence[str], update: bool = True) -> int:
        """Insert rows, or update the existing row with the same natural `key` (or leave it, update=False)."""
        if frame.empty:
            return 0
        frame = frame.drop_duplicates(subset=list(key), keep="last")
        names = list(frame.columns)
        cols = ", ".join(_q(c) for c in names)
        keys = ", ".join(_q(k) for k in key)
        rest = [c for c in names if c not in key]
        if update and rest:
            action = "DO UPDATE SET " + ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in rest)
        else:
            action = "DO NOTHING"
        staged = self.stage(frame, like=table)
        self.execute(f"INSERT INTO {_q(table)} ({cols}) SELECT {cols} FROM {staged} ON CONFLICT ({keys}) {action}")
        if self.backend == "duckdb":
            self.execute(f"DROP TABLE {staged}")
        return len(frame)

    def _from_frame(self, frame: pd.DataFrame, statement: Callable[[str], str]) -> None:
        """DuckDB: run `statement(view)` with `frame` registered (Arrow scan, no copy) as that view meanwhile."""
        view = f"_frame_{uuid.uuid4().hex}"
        self.raw.register(view, frame)
        try:
            self.raw.execute(statement(view))
        finally:
            self.raw.unregister(view)

    def _copy(self, table: str, frame: pd.DataFrame, cols: str) -> None:
        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f")
        with (
            self.raw.cursor() as cur,
            cur.copy(f"COPY {_q(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy,
        ):
            copy.write(buf.getvalue())

    def _run(self, sql: str, params: Params):
        if self.backend == "duckdb":
            return self.raw.execute(sql, _py(params)) if params is not None else self.raw.execute(sql)
        with self.raw.cursor() as cur:
            cur.execute(_pg_sql(sql) if params is not None else sql, _py(params))
        return None


class Warehouse:
    """The staging warehouse at `url` (duckdb:///path or postgresql://...), optionally in a PostgreSQL schema.

    `batch`: the connections run the pipeline's set-based statements, so on PostgreSQL they join by hash or merge,
    never by nested loop. The planner cannot see the sizes of CTEs, VALUES lists and fresh temporary tables, judges
    such a join one row, and then scans the other side again for every row: at 10,000 records a bill-draft INSERT ran
    for more than 9 minutes that way. A hash join costs one scan of a table when few rows change. They also compile no
    JIT code: with nested loops priced out every plan's cost passes the JIT thresholds, and compiling the long queue
    queries took 1.5 s each even when they found nothing (100,000 PO lines: 21.6 s for the pipeline with JIT, 4.9 s
    without).
    """

    def __init__(self, url: str, schema: str | None = None, lock_timeout: float | None = None, batch: bool = False):
        config.check_url(url)
        self.url = url
        self.backend = "duckdb" if url.startswith("duckdb:") else "postgres"
        self.schema = schema
        self.batch = batch
        self.lock_timeout = config.lock_timeout_seconds() if lock_timeout is None else lock_timeout
        self._idle = _IdleConnections()
        weakref.finalize(self, self._idle.close_all)
        if self.backend == "duckdb":
            rest = url[len("duckdb:") :].removeprefix("//")
            self.path = ("/" + rest.lstrip("/")) if rest.startswith("/") else (rest or ":memory:")
            folder = Path(self.path).parent
            if self.path != ":memory:" and not folder.is_dir():
                raise OperatorError(
                    f"the folder of DuckDB warehouse {self.path} does not exist: create {folder} or fix the path "
                    "(QBSYNC_DATABASE_URL, or QBSYNC_HOME for the default file)"
                )

    @classmethod
    def from_env(cls, batch: bool = False) -> Warehouse:
        return cls(config.database_url(), schema=_env_schema(), batch=batch)

    def describe(self) -> str:
        """Where this warehouse is, without any password."""
        if self.backend == "duckdb":
            return f"duckdb:{self.path}"
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        return shown + (f" (schema {self.schema})" if self.schema else "")

    @contextmanager
    def connect(self) -> Iterator[Conn]:
        """A short-lived connection in one transaction: committed on success, rolled back on error."""
        raw = self._open()
        conn = Conn(raw, self.backend)
        reusable = False
        try:
            if self.backend == "duckdb":
                raw.execute("BEGIN TRANSACTION")
            yield conn
            raw.commit()
            reusable = True
        except BaseException:
            raw.rollback()
            reusable = self.backend == "postgres" and not raw.broken
            raise
        finally:
            if self.backend == "duckdb":
                raw.close()
                OPEN_FILES.release(self.path)
            elif not (reusable and self._idle.put(raw)):
                raw.close()

    def close(self) -> None:
        """Close the idle PostgreSQL connections this warehouse keeps for reuse (DuckDB keeps none)."""
        self._idle.close_all()

    def _open(self):
        if self.backend == "postgres":
            return self._idle.take() or self._connect_postgres()
        return OPEN_FILES.acquire(self.path, self.lock_timeout)

    def _connect_postgres(self):
        import psycopg

        try:
            raw = psycopg.connect(self.url, autocommit=False, connect_timeout=config.connect_timeout_seconds())
        except psycopg.OperationalError as exc:
            raise OperatorError(f"PostgreSQL warehouse {self.describe()}: {postgres_trouble(exc)}") from None
        with raw.cursor() as cur:
            if self.schema:
                cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(self.schema)}")
                cur.execute(f"SET search_path TO {_q(self.schema)}")
            if self.batch:
                cur.execute("SET enable_nestloop = off")
                cur.execute("SET jit = off")
        raw.commit()  # the settings outlive this transaction, so the connection can be reused as it is
        return raw

    # -- one-statement conveniences (each its own short connection) --------------------------------

    def execute(self, sql: str, params: Params = None) -> None:
        with self.connect() as c:
            c.execute(sql, params)

    def fetchall(self, sql: str, params: Params = None) -> list[tuple]:
        with self.connect() as c:
            return c.fetchall(sql, params)

    def scalar(self, sql: str, params: Params = None) -> Any:
        with self.connect() as c:
            return c.scalar(sql, params)

    def records(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        with self.connect() as c:
            return c.records(sql, params)

    def df(self, sql: str, params: Params = None) -> pd.DataFrame:
        with self.connect() as c:
            return c.df(sql, params)

    def load(self, table: str, frame: pd.DataFrame) -> int:
        with self.connect() as c:
            return c.load(table, frame)

    def upsert(self, table: str, frame: pd.DataFrame, key: Sequence[str], update: bool = True) -> int:
        with self.connect() as c:
            return c.upsert(table, frame, key, update)

    # -- schema ------------------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        """Apply pending migrations (warehouse.migrations.apply: a function over a warehouse)."""
        return migrations.apply(self)

    def migration_status(self) -> list[tuple[str, datetime | None]]:
        return migrations.status(self)


class _IdleConnections:
    """A few open PostgreSQL connections kept between transactions: opening one costs several milliseconds."""

    def __init__(self, keep: int = 4, max_idle_seconds: float = 30.0):
        self.keep = keep
        self.max_idle_seconds = max_idle_seconds
        self._lock = threading.Lock()
        self._idle: list[tuple[Any, float]] = []

    def take(self) -> Any | None:
        """An idle connection still open and fresh enough, or None."""
        while True:
            with self._lock:
                if not self._idle:
                    return None
                raw, since = self._idle.pop()
            if raw.closed or raw.broken or time.monotonic() - since > self.max_idle_seconds:
                raw.close()
                continue
            return raw

    def put(self, raw: Any) -> bool:
        """Keep `raw` (outside any transaction) for the next connect; False when enough are kept already."""
        with self._lock:
            if len(self._idle) >= self.keep:
                return False
            self._idle.append((raw, time.monotonic()))
            return True

    def close_all(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for raw, _ in idle:
            raw.close()


def postgres_trouble(exc: Exception) -> str:
    """Why a PostgreSQL connection failed and what to do, in one line (libpq's own words kept short)."""
    text = " ".join(str(exc).split())
    lowered = text.lower()
    if "timeout expired" in lowered:
        return (
            f"no answer within {config.connect_timeout_seconds()}s (connect timeout): check the host and port, or "
            "that the server is not overloaded; QBSYNC_DATABASE_CONNECT_TIMEOUT sets the wait"
        )
    if "connection refused" in lowered:
        return "connection refused: is the server running, and on this host and port?"
    if "role" in lowered and "does not exist" in lowered:
        return f"{_libpq_detail(text)}: create the role (createuser) or fix the user in QBSYNC_DATABASE_URL"
    if "database" in lowered and "does not exist" in lowered:
        return f"{_libpq_detail(text)}: create the database (createdb) or fix its name in QBSYNC_DATABASE_URL"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"{_libpq_detail(text)}: fix the password (PGPASSWORD or ~/.pgpass) or the user"
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return "unknown host name: fix the host in QBSYNC_DATABASE_URL"
    return f"{_libpq_detail(text)}: check QBSYNC_DATABASE_URL and that the server is reachable"


def _libpq_detail(text: str) -> str:
    """libpq's reason without its 'connection to server at ... failed:' preamble."""
    return text.rsplit("FATAL:", 1)[-1].strip() if "FATAL:" in text else text.rsplit("failed:", 1)[-1].strip()


def _env_schema() -> str | None:
    import os

    return os.environ.get("QBSYNC_DATABASE_SCHEMA") or None


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")


def _pg_sql(sql: str) -> str:
    """`?` placeholders -> psycopg's `%s` (and literal % doubled), leaving quoted strings alone."""

    def swap(m: re.Match) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return token.replace("%", "%%")

    return _PLACEHOLDER.sub(swap, sql)


def _py(params: Params):
    """Parameters as plain Python values both drivers accept (dicts/lists become JSON text)."""
    if params is None:
        return None
    return [
        list(p) if isinstance(p, Array) else json.dumps(p, default=str) if isinstance(p, dict | list) else p
        for p in params
    ]


def _cell(value: Any, kind: str) -> Any:
    """One value for an array parameter: dicts/lists as JSON text for JSON columns, NaN/NaT as NULL, numpy scalars
    as Python values."""
    if value is None or type(value) in PLAIN:
        return value
    if value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "dtype") and hasattr(value, "item"):
        value = value.item()
    if kind in JSON_TYPES and value is not None and not isinstance(value, str):
        return json.dumps(value, default=_json_default)
    return value


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Dict/list cells become JSON text so both backends load them into JSON columns."""
    out = frame
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object:
            sample = series.dropna()
            if not sample.empty and isinstance(sample.iloc[0], dict | list):
                if out is frame:
                    out = frame.copy()
                out[col] = series.map(lambda v: None if v is None else json.dumps(v, default=_json_default))
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _q(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'
