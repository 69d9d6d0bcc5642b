"""``flask backup`` and ``flask restore``: a copy of the whole database that does not depend on its kind.

The file is gzipped JSON lines:

1. a header: ``{"format": "quiz-backup", "version": 1, "alembic_revision", "created_at", "database",
   "tables": [{"name", "columns": [[name, kind], ...], "rows"}, ...]}``, the tables in an order where
   every parent comes before its children;
2. each table's rows, in that order and by primary key, exactly ``rows`` lines per table, each a JSON
   array in the order of ``columns``. Values are typed by ``kind``: ``datetime`` ISO 8601 with its
   offset (the schema keeps naive UTC, written with ``+00:00``), ``bytes`` base64, ``json`` the
   column's JSON text as a string (so a JSON ``null`` stays apart from SQL NULL), ``decimal`` a string,
   the rest as JSON numbers, booleans and strings;
3. a trailer ``{"end": true, "rows": total, "sha256": digest of every row line}``.

The backup reads everything in one transaction with a consistent snapshot while the app keeps writing
(SQLite: a deferred read transaction, which WAL mode lets writers run beside; PostgreSQL: REPEATABLE
READ READ ONLY), streaming rows so a million attempts never sit in memory. The restore writes into an
empty, migrated database of either kind, in one transaction, and changes nothing when anything is wrong.

The domain's Flask-free rule holds here too: these functions take a database URL and plain values.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import tempfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import MetaData, Text, bindparam, cast, create_engine, event, func, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.ddl import sort_tables_and_constraints

FORMAT, VERSION = "quiz-backup", 1
VERSION_TABLE = "alembic_version"
BATCH = 10_000
_to_json = json.JSONEncoder(ensure_ascii=False).encode
_from_json = json.JSONDecoder().decode


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, in Vietnamese, for the operator."""


@dataclass
class Summary:
    revision: str
    tables: int
    rows: int
    counts: dict


def _engine(url, begin: str):
    """An engine of our own: SQLite transactions begin with ``begin`` (BEGIN for a snapshot, BEGIN IMMEDIATE
    to write), not pysqlite's own guess, which would run each SELECT in a transaction of its own."""
    engine = create_engine(url, poolclass=NullPool)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def on_begin(conn):
            conn.exec_driver_sql(begin)
    return engine


def _kind(column_type) -> str:
    for kind, types in (("json", sqltypes.JSON), ("datetime", sqltypes.DateTime), ("date", sqltypes.Date),
                        ("time", sqltypes.Time), ("bool", sqltypes.Boolean), ("int", sqltypes.Integer),
                        ("float", sqltypes.Float), ("decimal", sqltypes.Numeric), ("bytes", sqltypes._Binary)):
        if isinstance(column_type, types):
            return kind
    return "str"


def _utc_iso(value: datetime) -> str:
    return value.isoformat() if value.tzinfo else value.isoformat() + "+00:00"  # the schema's naive UTC


_ENCODE = {
    "datetime": _utc_iso,
    "date": date.isoformat,
    "time": time.isoformat,
    "bytes": lambda v: base64.b64encode(v).decode("ascii"),
    "decimal": str,
}


def _ordered_tables(meta: MetaData) -> list:
    """Parents before children; a cycle (question ↔ question_version) is broken at its nullable side."""
    def inline(fk):  # a NOT NULL foreign key must be an ordering constraint; a nullable one may be deferred
        return False if any(not c.nullable for c in fk.columns) else None

    return [t for t, _fks in sort_tables_and_constraints(meta.tables.values(), filter_fn=inline) if t is not None]


def dump(url, out: Path, progress=None) -> Summary:
    """Write a backup of the database at ``url`` to ``out`` (replaced only once the backup is complete).

    ``progress(table, done, total)`` is called after each batch of rows."""
    out = Path(out)
    if out.is_dir():
        raise BackupError(f"{out} là một thư mục; hãy cho một tên tệp, ví dụ {out / 'quiz-backup.jsonl.gz'}")
    if not out.parent.is_dir():
        raise BackupError(f"không có thư mục {out.parent}; hãy tạo nó trước hoặc chọn chỗ khác")
    try:
        fd, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    except OSError as exc:
        raise BackupError(f"không ghi được vào thư mục {out.parent}: {exc.strerror}") from None
    engine = _engine(url, "BEGIN")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as gz, \
                engine.connect() as conn, conn.begin():
            summary = _write(conn, gz, progress)
            gz.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)
    except OSError as exc:
        raise BackupError(f"không ghi được {out}: {exc.strerror or exc}") from None
    except SQLAlchemyError as exc:
        raise BackupError(f"không đọc được cơ sở dữ liệu: {_reason(exc)}") from None
    finally:
        engine.dispose()
        if os.path.exists(partial):
            os.unlink(partial)
    return summary


def _write(conn, gz, progress) -> Summary:
    if conn.dialect.name == "postgresql":
        # The first statement of the transaction: every later read sees the same snapshot.
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    meta = MetaData()
    meta.reflect(conn)
    revision = _revision(conn, meta)
    tables = _ordered_tables(meta)
    counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
    header = {"format": FORMAT, "version": VERSION, "alembic_revision": revision,
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "database": conn.dialect.name,
              "tables": [{"name": t.name, "columns": [[c.name, _kind(c.type)] for c in t.columns],
                          "rows": counts[t.name]} for t in tables]}
    gz.write(json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
    digest, total = hashlib.sha256(), 0
    for t in tables:
        kinds = [_kind(c.type) for c in t.columns]
        encoders = [(i, _ENCODE[k]) for i, k in enumerate(kinds) if k in _ENCODE]
        query = select(*(cast(c, Text).label(c.name) if k == "json" else c for c, k in zip(t.columns, kinds,
                                                                                          strict=True)))
        query = query.order_by(*(t.primary_key.columns or t.columns))
        done = 0
        for batch in conn.execution_options(yield_per=BATCH).execute(query).partitions():
            lines = []
            for row in batch:
                row = list(row)
                for i, encode in encoders:
                    if row[i] is not None:
                        row[i] = encode(row[i])
                lines.append(_to_json(row))
            chunk = ("\n".join(lines) + "\n").encode("utf-8")
            digest.update(chunk)
            gz.write(chunk)
            done += len(batch)
            if progress:
                progress(t.name, done, counts[t.name])
        if done != counts[t.name]:  # cannot happen inside one snapshot; refuse to write a file that lies
            raise BackupError(f"bảng {t.name}: đếm được {counts[t.name]} dòng nhưng đọc được {done}")
        total += done
    gz.write(json.dumps({"end": True, "rows": total, "sha256": digest.hexdigest()}).encode("utf-8") + b"\n")
    return Summary(revision, len(tables), total, counts)


def _revision(conn, meta: MetaData) -> str:
    if VERSION_TABLE not in meta.tables:
        raise BackupError("cơ sở dữ liệu chưa có lược đồ (không có bảng alembic_version): "
                          "hãy chạy `flask db upgrade` trước")
    revisions = conn.execute(select(meta.tables[VERSION_TABLE].c.version_num)).scalars().all()
    return ",".join(sorted(revisions))


def _reason(exc: SQLAlchemyError) -> str:
    return str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()[0]


def read_header(path: Path) -> dict:
    """The header of a backup file (raises BackupError when the file is not one)."""
    with _open(path) as gz:
        return _header(gz, path)


def _open(path: Path):
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"không có tệp {path}")
    try:
        return gzip.open(path, "rb")
    except OSError as exc:
        raise BackupError(f"không mở được {path}: {exc.strerror or exc}") from None


_DAMAGED = (OSError, EOFError, zlib.error, ValueError, UnicodeDecodeError)


def _header(gz, path) -> dict:
    try:
        header = json.loads(gz.readline())
        ok = (isinstance(header, dict) and header.get("format") == FORMAT
              and isinstance(header.get("tables"), list) and isinstance(header.get("alembic_revision"), str))
    except _DAMAGED:
        ok = False
    if not ok:
        raise BackupError(f"{path} không phải là bản sao lưu của ứng dụng này, hoặc đã bị hỏng")
    if header.get("version") != VERSION:
        raise BackupError(f"{path} có định dạng phiên bản {header.get('version')}; "
                          f"bản này chỉ đọc được phiên bản {VERSION}")
    return header


def restore(url, path: Path, progress=None) -> Summary:
    """Restore the backup ``path`` into the empty, migrated database at ``url``, in one transaction.

    Refuses (BackupError, nothing changed) a database holding any row, another schema revision and a damaged
    file. ``progress(table, done, total)`` is called after each batch."""
    path = Path(path)
    engine = _engine(url, "BEGIN IMMEDIATE")
    try:
        with _open(path) as gz, engine.connect() as conn:
            header = _header(gz, path)
            with conn.begin():
                return _load(conn, gz, header, path, progress)
    except _DAMAGED as exc:
        raise BackupError(f"{path} bị hỏng ({exc}); không có gì thay đổi") from None
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as exc:  # COPY's errors come from psycopg itself
        raise BackupError(f"không khôi phục được: {_reason(exc)}; không có gì thay đổi") from None
    finally:
        engine.dispose()


def _load(conn, gz, header: dict, path: Path, progress) -> Summary:
    meta = MetaData()
    meta.reflect(conn)
    if VERSION_TABLE not in meta.tables:
        raise BackupError("cơ sở dữ liệu đích chưa có lược đồ: hãy chạy `flask db upgrade` trước; "
                          "không có gì thay đổi")
    revision = _revision(conn, meta)
    if revision != header["alembic_revision"]:
        raise BackupError(f"bản sao lưu thuộc phiên bản lược đồ {header['alembic_revision']}, còn cơ sở dữ liệu "
                          f"đích ở phiên bản {revision or '(trống)'}: hãy dùng cùng phiên bản của ứng dụng "
                          "(chạy `flask db upgrade` tới đúng phiên bản đó); không có gì thay đổi")
    specs = header["tables"]
    _check_tables(meta, specs)
    filled = [t.name for t in meta.tables.values() if t.name != VERSION_TABLE
              and conn.execute(select(1).select_from(t).limit(1)).first() is not None]
    if filled:
        raise BackupError(f"cơ sở dữ liệu đích đã có dữ liệu (bảng {', '.join(sorted(filled))}): chỉ khôi phục "
                          "vào một cơ sở dữ liệu trống vừa tạo bằng `flask db upgrade`; không có gì thay đổi")
    deferred = _deferred_columns(meta, [s["name"] for s in specs])
    later: list[tuple] = []  # (table, column, [(primary key, value)]) set once every table is in
    digest, total, counts = hashlib.sha256(), 0, {}
    for spec in specs:
        rows = _rows(gz, spec, digest)
        if spec["name"] == VERSION_TABLE:
            for _ in rows:  # the target's own row says the same (checked above)
                pass
        else:
            table = meta.tables[spec["name"]]
            _insert(conn, table, spec, rows, deferred.get(table.name, ()), later, progress)
        counts[spec["name"]] = spec["rows"]
        total += spec["rows"]
    trailer = json.loads(gz.readline())
    if not (isinstance(trailer, dict) and trailer.get("end") and trailer.get("rows") == total
            and trailer.get("sha256") == digest.hexdigest()) or gz.read(1):
        raise BackupError(f"{path} bị hỏng (tổng kiểm tra không khớp); không có gì thay đổi")
    for table, column, values in later:
        pk = table.primary_key.columns
        conn.execute(update(table).where(*(c == bindparam(f"pk_{c.name}") for c in pk))
                     .values({column: bindparam("value")}),
                     [{"value": v, **{f"pk_{c.name}": k for c, k in zip(pk, key, strict=True)}} for key, v in values])
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, meta)
    return Summary(header["alembic_revision"], len(specs), total, counts)


def _check_tables(meta: MetaData, specs: list) -> None:
    for spec in specs:
        table = meta.tables.get(spec.get("name"))
        if table is None:
            raise BackupError(f"cơ sở dữ liệu đích không có bảng {spec.get('name')}; không có gì thay đổi")
        missing = [name for name, _kind in spec["columns"] if name not in table.columns]
        if missing:
            raise BackupError(f"bảng {table.name} của cơ sở dữ liệu đích thiếu cột {', '.join(missing)}; "
                              "không có gì thay đổi")


def _deferred_columns(meta: MetaData, order: list[str]) -> dict[str, set]:
    """Nullable foreign-key columns whose parent comes at or after their table in the file: inserted as NULL,
    set at the end. A NOT NULL one in that position means the file's order is wrong."""
    position = {name: i for i, name in enumerate(order)}
    out: dict[str, set] = {}
    for table in meta.tables.values():
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table.name
            if table.name not in position or position.get(parent, len(order)) < position[table.name]:
                continue
            if any(not c.nullable for c in fk.columns):
                raise BackupError(f"thứ tự bảng trong tệp không hợp lệ ({parent} sau {table.name}); "
                                  "không có gì thay đổi")
            out.setdefault(table.name, set()).update(c.name for c in fk.columns)
    return out


def _rows(gz, spec: dict, digest):
    """Yield the table's decoded rows, exactly ``rows`` lines (a short or malformed table is a damaged file)."""
    width = len(spec["columns"])
    decoders = [(i, _DECODE[k]) for i, (_name, k) in enumerate(spec["columns"]) if k in _DECODE]
    for _ in range(spec["rows"]):
        line = gz.readline()
        digest.update(line)
        row = _from_json(line.decode("utf-8"))
        if not isinstance(row, list) or len(row) != width:
            raise ValueError(f"bảng {spec['name']}: một dòng không đúng số cột")
        for i, decode in decoders:
            if row[i] is not None:
                row[i] = decode(row[i])
        yield row


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


_DECODE = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "bytes": base64.b64decode,
    "decimal": Decimal,
}


def _fixes(conn, table, spec: dict) -> list[tuple]:
    """Per column (index, function): the conversion of a decoded value to what the driver takes for the target
    column (naive UTC for the schema's datetimes; on SQLite, its datetime text and booleans as 0/1)."""
    postgres, out = conn.dialect.name == "postgresql", []
    for i, (name, kind) in enumerate(spec["columns"]):
        column, steps = table.columns[name], []
        if kind == "datetime" and not getattr(column.type, "timezone", False):
            steps.append(_naive_utc)
        if not postgres and kind != "json" and _kind(column.type) != "json":
            proc = column.type.bind_processor(conn.dialect)
            if proc:
                steps.append(proc)
        if steps:
            out.append((i, steps[0] if len(steps) == 1 else (lambda v, a=steps[0], b=steps[1]: b(a(v)))))
    return out


def _write_batch(conn, table, names: list[str], batch: list) -> None:
    """Bulk-insert rows: COPY on PostgreSQL, executemany on SQLite."""
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    target = conn.dialect.identifier_preparer.format_table(table)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
    else:
        conn.exec_driver_sql(f"INSERT INTO {target} ({columns}) VALUES ({', '.join('?' * len(names))})",
                             [tuple(r) for r in batch])


def _insert(conn, table, spec: dict, rows, deferred: set, later: list, progress) -> None:
    names = [name for name, _kind in spec["columns"]]
    fixes = _fixes(conn, table, spec)
    held = [(names.index(n), []) for n in sorted(deferred)]
    pk = [names.index(c.name) for c in table.primary_key.columns]
    done, batch = 0, []
    for row in rows:
        for i, values in held:
            if row[i] is not None:
                values.append((tuple(row[k] for k in pk), _held_value(row[i], spec["columns"][i][1])))
                row[i] = None
        for i, fix in fixes:
            if row[i] is not None:
                row[i] = fix(row[i])
        batch.append(row)
        if len(batch) >= BATCH or done + len(batch) == spec["rows"]:
            _write_batch(conn, table, names, batch)
            done += len(batch)
            batch = []
            if progress:
                progress(table.name, done, spec["rows"])
    later.extend((table, table.columns[names[i]], values) for i, values in held if values)


def _held_value(value, kind):
    return _naive_utc(value) if kind == "datetime" else value


def _reset_sequences(conn, meta: MetaData) -> None:
    """Each serial or identity column's sequence continues after the largest restored value."""
    quote = conn.dialect.identifier_preparer.quote
    for table in meta.tables.values():
        for column in table.columns:
            sequence = conn.exec_driver_sql("SELECT pg_get_serial_sequence(%(t)s, %(c)s)",
                                            {"t": quote(table.name), "c": column.name}).scalar()
            if sequence:
                conn.exec_driver_sql(
                    f"SELECT setval(%(s)s, COALESCE((SELECT MAX({quote(column.name)}) FROM {quote(table.name)}), 0)"
                    " + 1, false)", {"s": sequence})
