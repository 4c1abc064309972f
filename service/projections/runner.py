"""Feeds read models from the event store's notification log, exactly once.

Each projection keeps its position in ``projection_tracking``. A page of
notifications is applied and the positions advanced in one SQL transaction, so a
crash or a concurrent runner (the web process catching up for read-your-writes,
the ``projector`` process, a rebuild) never applies an event twice or skips one.
The tracking rows are locked first (``UPDATE`` before ``SELECT``), which serialises
runners on PostgreSQL (row lock) and SQLite (write lock) alike.

``projection_versions`` records which version of each projection wrote its rows; a
read model written by an older version is rebuilt when the service starts (``upgrade``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.utils import resolve_topic
from sqlalchemy import BigInteger, Boolean, Column, Connection, Engine, Integer, String, Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.engagement import Engagement
from ..storage import Base
from .page_rows import PageRows

# notifications per transaction: larger pages mean fewer commits and per-page queries, while a page
# must not hold SQLite's write lock for long (figures in bench/README.md)
PAGE_SIZE = 2000
log = logging.getLogger(__name__)

tracking = Table(
    "projection_tracking",
    Base.metadata,
    Column("name", String(40), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("rebuilding", Boolean, nullable=False, default=False),
)

# a runner takes its read models' tracking rows with a no-op UPDATE (a row lock on PostgreSQL,
# the write lock on SQLite) that also returns their positions, and moves them past a page in one UPDATE
LOCK = (
    update(tracking)
    .where(tracking.c.name.in_(bindparam("names", expanding=True)))
    .values(position=tracking.c.position)
    .returning(tracking.c.name, tracking.c.position)
)
ADVANCE = (
    update(tracking)
    .where(tracking.c.name.in_(bindparam("names", expanding=True)), tracking.c.position < bindparam("last"))
    .values(position=bindparam("last"))
)

versions = Table(
    "projection_versions",
    Base.metadata,
    Column("name", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
)


class Projection:
    """One read model: its tables and a handler per event type (``on_<EventName>``).

    Handlers change rows either with their own statements or, for tables named with
    ``self.buffer(table)`` in ``__init__``, through ``PageRows``: read once per page,
    written back once per page. A projection that needs the stored bytes rather
    than the decoded event sets ``raw = True`` and implements ``apply_notification``.
    Only the events a projection ``reads`` are decoded for it: a projection that
    overrides ``apply`` reads every event of its ``event_types``, one that does not
    reads those with an ``on_<EventName>`` handler.
    """

    name: str = ""
    version = 1  # raised when the tables or what the handlers write change: stores built before are rebuilt
    tables: Sequence[Table] = ()
    raw = False
    event_types: tuple[type, ...] = (Engagement.Event,)  # the aggregates whose events it reads

    def __init__(self) -> None:
        self._buffers: list[PageRows] = []
        self._reads: dict[str, bool] = {}

    def reads(self, topic: str) -> bool:
        """Whether events of this topic reach this projection decoded (answered once per topic)."""
        if topic not in self._reads:
            event_class = resolve_topic(topic)
            self._reads[topic] = (
                not self.raw
                and issubclass(event_class, self.event_types)
                and (type(self).apply is not Projection.apply or hasattr(self, f"on_{event_class.__name__}"))
            )
        return self._reads[topic]

    def buffer(self, table: Table, group: str = "engagement_id") -> PageRows:
        rows = PageRows(table, group)
        self._buffers.append(rows)
        return rows

    def apply_page(self, connection: Connection, page: Sequence[tuple[Any, Any]]) -> None:
        """Apply a page of (notification, decoded event) pairs not yet applied."""
        if self.raw:
            self.start_page(connection, [])
            for notification, _event in page:
                self.apply_notification(connection, notification)
        else:
            events = [(notification.id, event) for notification, event in page if self.reads(notification.topic)]
            self.start_page(connection, [event for _position, event in events])
            for position, event in events:
                self.apply(connection, event, position)
        self.finish_page(connection)

    def start_page(self, connection: Connection, events: Sequence[Any]) -> None:
        """Load whatever the page's events need: the buffered rows of their aggregates."""
        aggregates = {str(event.originator_id) for event in events}
        for rows in self._buffers:
            rows.start(connection, aggregates)

    def finish_page(self, connection: Connection) -> None:
        """Write whatever was batched, before the page's positions are recorded."""
        for rows in self._buffers:
            rows.flush(connection)

    def apply_notification(self, connection: Connection, notification: Any) -> None:
        raise TypeError(f"{type(self).__name__} is not a raw projection")

    def apply(self, connection: Connection, event: Any, position: int) -> None:
        handler = getattr(self, f"on_{type(event).__name__}", None)
        if handler is not None:
            handler(connection, event, position)

    def clear(self, connection: Connection) -> None:
        """Empty the read model by dropping and re-creating its tables, so that a rebuild after
        a version change also brings the tables to this version's columns."""
        for table in reversed(self.tables):
            table.drop(connection, checkfirst=True)
        for table in self.tables:
            table.create(connection)


def dialect_insert(connection: Connection) -> Any:
    """The store's INSERT construct, the one with ``on_conflict_*``."""
    return pg_insert if connection.dialect.name == "postgresql" else sqlite_insert


def upsert(connection: Connection, table: Table, values: dict[str, Any], keys: Sequence[str]) -> None:
    """Insert or replace one row by its key columns, on either store."""
    statement = dialect_insert(connection)(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={k: v for k, v in values.items() if k not in keys}
    )
    connection.execute(statement)


class ProjectionRunner:
    def __init__(self, engine: Engine, recorder: Any, mapper: Any, projections: Iterable[Projection]) -> None:
        self.engine = engine
        self.recorder = recorder
        self.mapper = mapper
        self.projections = {projection.name: projection for projection in projections}
        self.page_size = PAGE_SIZE
        self._catching_up = threading.Lock()  # one catch-up at a time per process; others wait, then find little to do

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            rows = dict(connection.execute(select(tracking.c.name, tracking.c.position)).all())
        return {name: rows.get(name, 0) for name in self.projections}

    def lag(self) -> int:
        """How many notifications the slowest projection is behind."""
        head = self.recorder.max_notification_id() or 0
        return max(0, head - min(self.positions().values(), default=head))

    def catch_up_quietly(self) -> None:
        """Read-your-writes after a command; a failure is logged and left to the projector."""
        try:
            self.catch_up()
        except Exception:
            log.exception("projection catch-up failed; the projector process will retry")

    def catch_up(self, names: Iterable[str] | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Apply every notification recorded before the last page was read; returns how many were applied."""
        selected = [self.projections[name] for name in (names or self.projections)]
        applied = 0
        with self._catching_up:
            while True:
                count = self._apply_page(selected)
                if count == 0:
                    return applied
                if count < 0:
                    continue  # another process applied that page; read on from where it stopped
                applied += count
                if progress:
                    progress(count)
                if count < self.page_size:
                    return applied  # a short page reached the end of the log as it was read

    def _apply_page(self, projections: list[Projection]) -> int:
        """Apply the next page; 0 when caught up, -1 when another runner moved first.

        The page is read and decoded *before* the tracking rows are locked: on SQLite,
        reading while holding the write lock could wait on an event-store writer that
        itself waits for that lock, and the lock is held no longer than the writes."""
        names = [p.name for p in projections]
        seen = {name: position for name, position in self.positions().items() if name in names}
        start = min(seen.values())
        notifications = self.recorder.select_notifications(start=start, limit=self.page_size, inclusive_of_start=False)
        if not notifications:
            return 0
        page = [
            (n, self.mapper.to_domain_event(n) if any(p.reads(n.topic) for p in projections) else None)
            for n in notifications
        ]
        with self.engine.begin() as connection:
            positions = self._lock(connection, names)
            if any(positions.get(name, 0) != position for name, position in seen.items()):
                return -1
            first = notifications[0].id
            for projection in projections:
                position = positions[projection.name]
                pending = page if position < first else [(n, event) for n, event in page if n.id > position]
                if pending:
                    projection.apply_page(connection, pending)
            connection.execute(ADVANCE, {"names": names, "last": notifications[-1].id})
            return len(notifications)

    @staticmethod
    def _lock(connection: Connection, names: list[str]) -> dict[str, int]:
        """Lock the tracking rows of ``names`` and return their positions: one statement,
        unless a row is missing (a new read model, an emptied store), which is inserted first."""
        positions = dict(connection.execute(LOCK, {"names": names}).all())
        missing = [name for name in names if name not in positions]
        if missing:
            connection.execute(
                dialect_insert(connection)(tracking).on_conflict_do_nothing(),
                [{"name": name, "position": 0, "rebuilding": False} for name in missing],
            )
            positions = dict(connection.execute(LOCK, {"names": names}).all())
        return positions

    def upgrade(self) -> list[str]:
        """Rebuild every read model whose stored rows were written by an older version of
        its projection (``Projection.version``), and finish any rebuild cut short; returns
        their names. A store that never recorded versions was written by version 1."""
        with self.engine.connect() as connection:
            recorded = dict(connection.execute(select(versions.c.name, versions.c.version)).all())
        positions = self.positions()
        stale = [
            name
            for name, projection in self.projections.items()
            if self.is_rebuilding(name)  # a rebuild cut short (an upgrade or by hand): finish it
            or (positions[name] > 0 and recorded.get(name, 1) != projection.version)
        ]
        for name in stale:
            log.info("read model %s is of an older version: rebuilding it", name)
            self.rebuild(name)
        with self.engine.begin() as connection:
            for name, projection in self.projections.items():
                if recorded.get(name) != projection.version:
                    connection.execute(delete(versions).where(versions.c.name == name))
                    connection.execute(versions.insert().values(name=name, version=projection.version))
        return stale

    def rebuild(self, name: str, progress: Callable[[int], None] | None = None) -> int:
        """Drop a read model's rows and replay the whole log into it.

        An interrupted rebuild is resumed where it stopped (the rows it already
        wrote are committed with their position) instead of starting over.
        ``progress`` receives the number of events applied by each page.
        """
        projection = self.projections[name]
        with self.engine.begin() as connection:
            self._lock(connection, [name])
            resuming = connection.scalar(select(tracking.c.rebuilding).where(tracking.c.name == name))
            if not resuming:
                projection.clear(connection)
                connection.execute(update(tracking).where(tracking.c.name == name).values(position=0, rebuilding=True))
        applied = self.catch_up([name], progress=progress)
        with self.engine.begin() as connection:
            connection.execute(update(tracking).where(tracking.c.name == name).values(rebuilding=False))
        return applied

    def is_rebuilding(self, name: str) -> bool:
        with self.engine.connect() as connection:
            return bool(connection.scalar(select(tracking.c.rebuilding).where(tracking.c.name == name)))
