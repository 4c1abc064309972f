"""One database for everything: the event store (eventsourcing's native SQLite or
PostgreSQL recorder) and the SQL tables (accounts, catalogue editions, read models)
through SQLAlchemy. ``DATABASE_URL`` picks the store."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from psycopg.sql import SQL, Composed, Identifier
from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

from .config import Settings

SQLITE_LOCK_TIMEOUT_SECONDS = 30
PING_AFTER_IDLE_SECONDS = 10.0
SCHEMA_LOCK_KEY = 0x53434845  # "SCHE"
ONE_TRIP_RECORDER_TOPIC = "service.event_recorder:OneTripApplicationRecorder"


class Base(DeclarativeBase):
    """Declarative base of every SQL table the product owns."""


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def sqlite_path(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = sqlite_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            f"sqlite:///{path}", connect_args={"timeout": SQLITE_LOCK_TIMEOUT_SECONDS}, future=True
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # noqa: ANN001 - SQLAlchemy hook signature
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    url = make_url(settings.database_url).set(drivername="postgresql+psycopg")
    connect_args = {}
    if settings.database_schema:
        connect_args["options"] = f"-csearch_path={settings.database_schema}"
    engine = create_engine(url, connect_args=connect_args, future=True)
    ping_when_idle(engine)
    if settings.database_schema:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{settings.database_schema}"'))
    return engine


def ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has lain idle for a while: one given
    back moments ago was alive then. (``pool_pre_ping`` checks at every checkout, three round
    trips for one page.) A dead idle connection is replaced before anyone sees it; one lost in
    steady use fails the statement that finds out, and SQLAlchemy then renews the whole pool."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _alive(_dbapi_connection, record):  # noqa: ANN001 - SQLAlchemy hook signature
        record.info["alive_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):  # noqa: ANN001 - SQLAlchemy hook signature
        if time.monotonic() - record.info.get("alive_at", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection is gone") from error  # the pool connects anew


def copy_statement(table: Identifier, columns: Iterable[str]) -> Composed:
    """PostgreSQL's ``COPY table (columns) FROM STDIN``, for psycopg's ``cursor.copy``."""
    return SQL("COPY {} ({}) FROM STDIN").format(table, SQL(", ").join(map(Identifier, columns)))


def reading(engine: Engine) -> Engine:
    """The engine for reads. On PostgreSQL it runs in autocommit: a SELECT goes alone, without
    a BEGIN and a ROLLBACK round trip around it, and under READ COMMITTED each statement sees
    its own snapshot either way. SQLite reads outside a transaction already (pysqlite begins one
    only before a write). Shares the engine's pool and event listeners."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Serialise schema creation across processes (PostgreSQL DDL races otherwise fail
    with "tuple concurrently updated"); SQLite serialises DDL by itself."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
            connection.commit()


def eventsourcing_env(settings: Settings) -> dict[str, str]:
    """The environment that points eventsourcing's recorder at the same database
    (its tables are created by ``Container.init`` under the schema lock)."""
    env = {"AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size), "CREATE_TABLE": "no"}
    if settings.is_sqlite:
        path = sqlite_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(path),
            SQLITE_LOCK_TIMEOUT=str(SQLITE_LOCK_TIMEOUT_SECONDS),
        )
        return env
    url = make_url(settings.database_url)
    env.update(
        PERSISTENCE_MODULE="eventsourcing.postgres",
        APPLICATION_RECORDER_TOPIC=ONE_TRIP_RECORDER_TOPIC,
        POSTGRES_DBNAME=url.database or "",
        POSTGRES_HOST=url.host or "127.0.0.1",
        POSTGRES_PORT=str(url.port or 5432),
        POSTGRES_USER=url.username or "postgres",
        POSTGRES_PASSWORD=url.password or "",
    )
    if settings.database_schema:
        env["POSTGRES_SCHEMA"] = settings.database_schema
    return env


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows, each with the columns of the first: one ``COPY`` on PostgreSQL
    (psycopg's pipelined executemany sends one statement per row, most of a read-model
    rebuild's time there), one ``executemany`` on SQLite."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    with connection.connection.cursor() as cursor, cursor.copy(copy_statement(Identifier(table.name), columns)) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])
