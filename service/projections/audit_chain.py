"""Tamper-evident audit chain over the whole event log.

link(n) = SHA-256(link(n-1) | position | topic | canonical JSON of the event state).
``verify`` recomputes the chain from the stored events and reports the first
position whose event no longer matches its recorded link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Engine, String, Table, select

from ..storage import Base
from .page_rows import insert_rows
from .runner import PAGE_SIZE, Projection

GENESIS = "0" * 64

audit_chain = Table(
    "audit_chain",
    Base.metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("link", String(64), nullable=False),
)


def canonical_state(state: bytes) -> str:
    return json.dumps(json.loads(state), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_link(previous: str, position: int, topic: str, state: bytes) -> str:
    payload = f"{previous}|{position}|{topic}|{canonical_state(state)}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditChainProjection(Projection):
    """Works on raw notifications (``apply_notification``), not decoded events."""

    name = "audit_chain"
    tables = (audit_chain,)
    raw = True

    def __init__(self) -> None:
        super().__init__()
        self._previous = GENESIS
        self._rows: list[dict[str, Any]] = []

    def start_page(self, connection: Connection, events: Sequence[Any]) -> None:
        last = connection.scalar(select(audit_chain.c.link).order_by(audit_chain.c.position.desc()).limit(1))
        self._previous, self._rows = last or GENESIS, []

    def apply_notification(self, connection: Connection, notification: Any) -> None:
        link = chain_link(self._previous, notification.id, notification.topic, notification.state)
        self._rows.append({"position": notification.id, "link": link})
        self._previous = link

    def finish_page(self, connection: Connection) -> None:
        insert_rows(connection, audit_chain, self._rows)
        self._rows = []


@dataclass
class Verification:
    checked: int
    broken_at: int | None  # first position that does not match, or None when intact
    reason: str = ""


def verify_chain(engine: Engine, recorder: Any) -> Verification:
    """Recompute every link from the event log and compare with the recorded chain."""
    previous, checked, start = GENESIS, 0, 0
    with engine.connect() as connection:
        recorded = iter(connection.execute(select(audit_chain.c.position, audit_chain.c.link).order_by(audit_chain.c.position)))
        while True:
            notifications = recorder.select_notifications(start=start, limit=PAGE_SIZE, inclusive_of_start=False)
            if not notifications:
                break
            for notification in notifications:
                row = next(recorded, None)
                if row is None:
                    return Verification(checked, notification.id, "event has no chain link (projection behind)")
                if row.position != notification.id:
                    missing = min(row.position, notification.id)
                    return Verification(checked, missing, "event or link missing at this position")
                link = chain_link(previous, notification.id, notification.topic, notification.state)
                if link != row.link:
                    return Verification(checked, notification.id, "event does not match its recorded link")
                previous, checked = link, checked + 1
            start = notifications[-1].id
        extra = next(recorded, None)
        if extra is not None:
            return Verification(checked, extra.position, "link recorded for an event that no longer exists")
    return Verification(checked, None)
