"""Moving and keeping the data: migrate the embedded SQLite store to PostgreSQL, and
back up / restore a SQLite store (with its evidence files)."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from psycopg.sql import SQL, Identifier
from sqlalchemy import Connection, Table, select, text

from .bootstrap import Container
from .domain.errors import Conflict, Invalid
from .projections.audit_chain import audit_chain, verify_chain
from .storage import Base, copy_statement, sqlite_path

PAGE = 5000  # rows read from SQLite at a time while copying the log
STORED_COLUMNS = ("originator_id", "originator_version", "topic", "state")  # of events and snapshots, in both stores
# tables holding facts that are not in the event log (read models are rebuilt instead); a table
# comes after the tables it refers to
COPIED_TABLES = (
    "orgs",
    "users",
    "catalogue_editions",
    "login_failures",
    "login_events",
    "security_events",
    "outbox_deliveries",
    "job_runs",
)


class TargetNotEmpty(Conflict):
    code = "target_not_empty"


@dataclass
class MigrationReport:
    events: int
    snapshots: int
    rows: dict[str, int]
    chain_intact: bool
    same_positions: bool


def migrate(
    source: Container, target: Container, progress: Callable[[int], None] | None = None
) -> MigrationReport:
    """Copy the event log and the non-derived tables, rebuild the read models on the
    target, and verify counts and the audit chain there."""
    events, snapshots, rows = copy_store(source, target, progress)
    target.projections.catch_up()
    analyze(target)
    chain = verify_chain(target.engine, target.store.recorder)
    return MigrationReport(
        events=events,
        snapshots=snapshots,
        rows=rows,
        chain_intact=chain.broken_at is None and chain.checked == events,
        same_positions=_last_link(source) == _last_link(target),
    )


def copy_store(
    source: Container, target: Container, progress: Callable[[int], None] | None = None
) -> tuple[int, int, dict[str, int]]:
    """Copy the non-derived tables, the event log (same positions) and the snapshots from a
    SQLite store into an empty PostgreSQL one, checking the event counts; the read models
    are left for the target to build. Returns (events, snapshots, rows per table)."""
    if not source.settings.is_sqlite:
        raise Invalid("migrate copies from the embedded SQLite store", field="DATABASE_URL")
    if target.settings.is_sqlite:
        raise Invalid("migrate copies into PostgreSQL", field="to")
    target.init()
    if target.store.recorder.max_notification_id():
        raise TargetNotEmpty("the target database already holds events; migrate into an empty one")
    rows = {}
    tables = [Base.metadata.tables[name] for name in COPIED_TABLES]
    with source.engine.connect() as reader, target.engine.begin() as writer:
        for table in reversed(tables):  # emptied first (a rerun after an interruption finds rows), referring before referred
            writer.execute(table.delete())
        for table in tables:
            data = [dict(row._mapping) for row in reader.execute(select(table))]
            if data:
                writer.execute(table.insert(), data)
            rows[table.name] = len(data)
            _continue_numbering(writer, table)
    copied, snapshots = _copy_log(source, target, progress)
    total = _count_events(source)
    if copied != total or _count_events(target) != total:
        raise Conflict(f"copied {copied} events but the source holds {total}")
    return copied, snapshots, rows


def analyze(container: Container) -> None:
    """Planner statistics for every table of a PostgreSQL store just filled in bulk, as
    PostgreSQL advises after a bulk load: until autovacuum gets to them (if it runs at all),
    the planner would guess the sizes of tables of millions of rows."""
    recorder = container.store.recorder
    tables = [*_log_tables(container), *(Identifier(recorder.datastore.schema, table.name) for table in Base.metadata.sorted_tables)]
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        for table in tables:
            cursor.execute(SQL("ANALYZE {}").format(table))


def _log_tables(container: Container) -> tuple[Identifier, Identifier]:
    """The events and snapshots tables of a PostgreSQL store, schema-qualified."""
    events, snapshots = container.store.recorder, container.store.snapshots.recorder
    schema = events.datastore.schema
    return Identifier(schema, events.events_table_name), Identifier(schema, snapshots.events_table_name)


def _continue_numbering(connection: Connection, table: Table) -> None:
    """Rows copied with their ids leave a PostgreSQL sequence at 1: move it past them, or
    the next insert would collide with a copied row."""
    column = table.autoincrement_column
    if column is None or connection.dialect.name != "postgresql":
        return
    connection.execute(
        text(f"SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max({column.name}), 0) + 1, false) FROM {table.name}"),
        {"table": table.name, "column": column.name},
    )


def _copy_log(source: Container, target: Container, progress: Callable[[int], None] | None) -> tuple[int, int]:
    """The events, each at its position (notification id), and the snapshots, in one
    PostgreSQL transaction through COPY: an interrupted copy leaves the target empty.
    Snapshots are derived from the log, but without them every engagement of more than
    100 events would be replayed in full on its first read after the move."""
    events_table, snapshots_table = _log_tables(target)
    selected = ", ".join(STORED_COLUMNS)
    with closing(sqlite3.connect(sqlite_path(source.settings))) as reader:
        datastore = target.store.recorder.datastore
        with datastore.get_connection() as connection, connection.transaction(), connection.cursor() as cursor:
            copied = copy_rows(  # rowid: SQLite's notification id
                reader.execute(f"SELECT {selected}, rowid FROM {source.store.recorder.events_table_name} ORDER BY rowid"),
                cursor,
                events_table,
                (*STORED_COLUMNS, "notification_id"),
                progress,
            )
            copied_snapshots = copy_rows(
                reader.execute(f"SELECT {selected} FROM {source.store.snapshots.recorder.events_table_name}"),
                cursor,
                snapshots_table,
                STORED_COLUMNS,
                None,
            )
            cursor.execute(  # new events are numbered after the copied ones
                SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), coalesce(max(notification_id), 0) + 1, false) FROM {}").format(
                    events_table
                ),
                (events_table.as_string(connection),),
            )
    return copied, copied_snapshots


def copy_rows(
    rows: sqlite3.Cursor, cursor: Any, table: Identifier, columns: tuple[str, ...], progress: Callable[[int], None] | None = None
) -> int:
    """COPY the rows into the table's columns, a page of SQLite rows at a time."""
    copied = 0
    with cursor.copy(copy_statement(table, columns)) as copy:
        while page := rows.fetchmany(PAGE):
            for row in page:
                copy.write_row(row)
            copied += len(page)
            if progress:
                progress(len(page))
    return copied


def _count_events(container: Container) -> int:
    with container.engine.connect() as connection:  # PostgreSQL: the engine's search path is the store's schema
        return connection.scalar(text(f"SELECT count(*) FROM {container.store.recorder.events_table_name}"))


def _last_link(container: Container) -> str | None:
    with container.engine.connect() as connection:
        return connection.scalar(select(audit_chain.c.link).order_by(audit_chain.c.position.desc()).limit(1))


def backup(container: Container, destination: Path) -> Path:
    """A consistent online copy of the SQLite database and the evidence files."""
    if not container.settings.is_sqlite:
        raise Invalid("for PostgreSQL use pg_dump (see README, Backup and restore)", field="DATABASE_URL")
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise Invalid(f"{destination} is not empty", field="to")
    destination.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(sqlite_path(container.settings)) as live, sqlite3.connect(destination / "app.db") as copy:
        live.backup(copy)
    blobs = container.settings.blob_dir
    if blobs.exists():
        shutil.copytree(blobs, destination / "blobs")
    return destination


def restore(container: Container, source: Path) -> None:
    """Replace the SQLite database and evidence files with a backup (stop the services first)."""
    if not container.settings.is_sqlite:
        raise Invalid("for PostgreSQL use pg_restore (see README, Backup and restore)", field="DATABASE_URL")
    source = Path(source)
    if not (source / "app.db").exists():
        raise Invalid(f"{source} holds no app.db backup", field="from")
    container.close()
    target = sqlite_path(container.settings)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source / "app.db") as backup_db, sqlite3.connect(target) as live:
        backup_db.backup(live)
    if (source / "blobs").exists():
        shutil.copytree(source / "blobs", container.settings.blob_dir, dirs_exist_ok=True)
