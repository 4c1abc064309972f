"""The security event log (OWASP ASVS V16): logins, lockouts, authorisation failures,
exports, user and role changes, token issuance. Each event is a row (read-only for
auditors in the UI) and a structured JSON log line; JSON encoding escapes whatever a
user typed, so nobody can forge log lines."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import structlog
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .domain.actors import Actor
from .domain.codes import Role
from .storage import Base

log = structlog.get_logger("security")


class SecurityEvent(Base):
    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[str] = mapped_column(String(36), default="")
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    org_id: Mapped[str] = mapped_column(String(36), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    client: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")


class SecurityLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(
        self,
        kind: str,
        outcome: str,
        *,
        actor: Actor | None = None,
        email: str = "",
        client: str = "",
        **detail: Any,
    ) -> None:
        now = datetime.now(timezone.utc)
        row = SecurityEvent(
            at=now,
            kind=kind[:40],
            outcome=outcome[:60],
            actor_id=actor.id if actor else "",
            actor_name=actor.name if actor else "",
            org_id=actor.org_id if actor else "",
            email=email[:254],
            client=client[:64],
            detail=json.dumps(detail, ensure_ascii=False, default=str),
        )
        with self.sessions.begin() as session:
            session.add(row)
        log.info(
            kind,
            outcome=outcome,
            at=now.isoformat(),
            actor=row.actor_id,
            actor_name=row.actor_name,
            org=row.org_id,
            email=row.email,
            client=row.client,
            detail=detail,
        )

    def events(self, viewer: Actor, limit: int = 200) -> list[SecurityEvent]:
        """Admins see every event, auditors those of their own organisation."""
        query = select(SecurityEvent).order_by(SecurityEvent.id.desc()).limit(limit)
        if viewer.role is not Role.ADMIN:
            query = query.where(SecurityEvent.org_id == viewer.org_id)
        with self.sessions() as session:
            rows = list(session.scalars(query))
            for row in rows:
                session.expunge(row)
            return rows
