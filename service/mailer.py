"""E-mail delivery of the outbox over SMTP, at most once per message.

A message is claimed (a row in ``outbox_deliveries`` with status ``sending``) in its
own transaction before it is handed to the SMTP server, so overlapping runs never
send it twice; a run that dies mid-send leaves it ``sending`` for an operator rather
than risk a duplicate. Failures are retried with exponential backoff. Each attempt is
composed when it is sent: its ``Date:``, and its link under the base URL of that moment.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, Text, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .projections.notifications import outbox
from .storage import Base, as_utc

MAX_ATTEMPTS = 8
MAX_AGE = timedelta(days=7)  # older messages (e.g. recreated by a rebuild) are never sent
FROM_ADDRESS = "FISC API接続審査 <no-reply@fisc-review.invalid>"

deliveries = Table(
    "outbox_deliveries",
    Base.metadata,
    Column("key", String(80), primary_key=True),
    Column("status", String(10), nullable=False),  # sending | sent | retry | failed | expired
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text),
)


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    ssl: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> "SmtpTarget":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://user:password@host:port")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            ssl=parts.scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


@dataclass(frozen=True)
class Postman:
    """Where and how the outbox is sent: the SMTP server (none: mail waits), the base URL
    links are joined to, and the time zone of the ``Date:`` header."""

    smtp_url: str | None
    base_url: str
    timezone: tzinfo

    def compose(self, row: Any, now: datetime) -> EmailMessage:
        """The e-mail for an outbox row (header values with CR/LF are refused by the policy)."""
        message = EmailMessage()
        message["From"] = FROM_ADDRESS
        message["To"] = row.email
        message["Subject"] = row.subject
        message["Date"] = format_datetime(now.astimezone(self.timezone))
        message["Message-ID"] = row.message_id
        message.set_content(f"{row.body}{self.base_url.rstrip('/')}{row.link}\n")
        return message


def deliver_outbox(engine: Engine, postman: Postman, now: datetime, limit: int = 500) -> dict[str, int]:
    """Send what is due; ``pending`` counts what still waits afterwards (not yet tried,
    beyond this run's limit, or waiting for its retry)."""
    summary = {"sent": 0, "retry": 0, "failed": 0, "expired": 0}
    if postman.smtp_url:
        _send_due(engine, postman, now, limit, summary)
    with engine.connect() as connection:
        summary["pending"] = connection.scalar(
            select(func.count())
            .select_from(outbox.outerjoin(deliveries, deliveries.c.key == outbox.c.key))
            .where(or_(deliveries.c.key.is_(None), deliveries.c.status == "retry"))
        )
    return summary


def _send_due(engine: Engine, postman: Postman, now: datetime, limit: int, summary: dict[str, int]) -> None:
    with engine.connect() as connection:
        due = connection.execute(
            select(outbox, deliveries.c.status, deliveries.c.attempts)
            .outerjoin(deliveries, deliveries.c.key == outbox.c.key)
            .where(or_(deliveries.c.key.is_(None), and_(deliveries.c.status == "retry", deliveries.c.next_attempt_at <= now)))
            .order_by(outbox.c.position, outbox.c.key)
            .limit(limit)
        ).all()
    target = SmtpTarget.parse(postman.smtp_url)
    for row in due:
        attempts = row.attempts or 0
        if row.status is None and now - as_utc(row.created_at) > MAX_AGE:
            _claim(engine, row.key, None, "expired")
            summary["expired"] += 1
            continue
        if not _claim(engine, row.key, row.status, "sending"):
            continue  # another run took it
        try:
            _send(target, postman.compose(row, now))
        except (smtplib.SMTPException, OSError, ValueError) as error:
            attempts += 1
            status = "failed" if attempts >= MAX_ATTEMPTS else "retry"
            with engine.begin() as connection:
                connection.execute(
                    update(deliveries)
                    .where(deliveries.c.key == row.key)
                    .values(
                        status=status,
                        attempts=attempts,
                        next_attempt_at=now + timedelta(minutes=2**attempts),
                        last_error=str(error)[:500],
                    )
                )
            summary[status] += 1
            continue
        with engine.begin() as connection:
            connection.execute(
                update(deliveries).where(deliveries.c.key == row.key).values(status="sent", attempts=attempts + 1, sent_at=now)
            )
        summary["sent"] += 1


def _claim(engine: Engine, key: str, previous: str | None, status: str) -> bool:
    """Take a message for this run; False when another run took it first."""
    with engine.begin() as connection:
        if previous is None:
            try:
                connection.execute(deliveries.insert().values(key=key, status=status, attempts=0))
            except IntegrityError:
                return False
            return True
        taken = connection.execute(
            update(deliveries).where(deliveries.c.key == key, deliveries.c.status == previous).values(status=status)
        )
        return taken.rowcount == 1


def _send(target: SmtpTarget, message: EmailMessage) -> None:
    smtp_class = smtplib.SMTP_SSL if target.ssl else smtplib.SMTP
    with smtp_class(target.host, target.port, timeout=30) as smtp:
        if target.username:
            if not target.ssl:
                smtp.starttls()
            smtp.login(target.username, target.password or "")
        smtp.send_message(message)
