"""E-mail: the outbox the notifications projection fills, and its delivery over SMTP, at
most once per message.

Mails are queued through ``Outbox`` in the projection's own transaction, so a rebuild of
that read model recreates the same rows (same keys, same Message-IDs); their delivery state
lives in ``outbox_deliveries``, which no rebuild touches, so rebuilding never re-sends.
A message is claimed (a row in ``outbox_deliveries`` with status ``sending``) in its own
transaction before it is handed to the SMTP server, so overlapping runs never send it twice;
a run that dies mid-send leaves it ``sending`` for an operator rather than risk a duplicate.
Failures are retried with exponential backoff. Each attempt is composed when it is sent:
its ``Date:``, and its link under the base URL of that moment.
"""

from __future__ import annotations

import hashlib
import smtplib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, String, Table, Text, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .storage import Base, as_utc, insert_rows

MAX_ATTEMPTS = 8
MAX_AGE = timedelta(days=7)  # older messages (e.g. recreated by a rebuild) are never sent
FROM_ADDRESS = "FISC API接続審査 <no-reply@fisc-review.invalid>"
SUBJECT_PREFIX = "[API接続審査]"
MESSAGE_ID_DOMAIN = "fisc-review.invalid"

outbox = Table(
    "outbox",
    Base.metadata,
    Column("key", String(80), primary_key=True),  # "<position>:<side>:<user id>"
    Column("engagement_id", String(36), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("email", String(254), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(300), nullable=False),  # a path under APP_BASE_URL, joined when the mail is sent
    Column("message_id", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("position", Integer, nullable=False),
)

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


def message_id_for(key: str) -> str:
    """One Message-ID per message, the same on every attempt and after a rebuild, that
    names no user or engagement."""
    digest = hashlib.sha256(f"outbox:{key}".encode()).hexdigest()[:32]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


@dataclass(frozen=True)
class Mail:
    """One e-mail to queue, as its producer knows it; ``key`` is stable across rebuilds."""

    key: str
    engagement_id: str
    user_id: str
    email: str
    subject: str
    body: str
    link: str  # a path under APP_BASE_URL
    created_at: datetime
    position: int  # of the event it tells about: mail goes out in the order things happened


class Outbox:
    """What a producer (the notifications projection) writes mail through: it queues in its
    own transaction and, on a rebuild, drops and recreates ``tables`` with its read model."""

    tables = (outbox,)

    def queue(self, connection: Connection, mails: Sequence[Mail]) -> None:
        rows = [
            {**asdict(mail), "subject": f"{SUBJECT_PREFIX} {mail.subject}", "message_id": message_id_for(mail.key)}
            for mail in mails
        ]
        insert_rows(connection, outbox, rows)


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
            raise ValueError("SMTP_URL は smtp://ホスト:ポート または smtps://ユーザー:パスワード@ホスト:ポート の形で指定してください。")
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


class Mailer:
    """Delivers the outbox: what a run sends, claims and backs off from."""

    def __init__(self, engine: Engine, postman: Postman) -> None:
        self.engine = engine
        self.postman = postman

    def deliver(self, now: datetime, limit: int = 500) -> dict[str, int]:
        """Send what is due; ``pending`` counts what still waits afterwards (not yet tried,
        beyond this run's limit, or waiting for its retry)."""
        summary = {"sent": 0, "retry": 0, "failed": 0, "expired": 0}
        if self.postman.smtp_url:
            self._send_due(now, limit, summary)
        with self.engine.connect() as connection:
            summary["pending"] = connection.scalar(
                select(func.count())
                .select_from(outbox.outerjoin(deliveries, deliveries.c.key == outbox.c.key))
                .where(or_(deliveries.c.key.is_(None), deliveries.c.status == "retry"))
            )
        return summary

    def _send_due(self, now: datetime, limit: int, summary: dict[str, int]) -> None:
        with self.engine.connect() as connection:
            due = connection.execute(
                select(outbox, deliveries.c.status, deliveries.c.attempts)
                .outerjoin(deliveries, deliveries.c.key == outbox.c.key)
                .where(or_(deliveries.c.key.is_(None), and_(deliveries.c.status == "retry", deliveries.c.next_attempt_at <= now)))
                .order_by(outbox.c.position, outbox.c.key)
                .limit(limit)
            ).all()
        target = SmtpTarget.parse(self.postman.smtp_url)
        for row in due:
            attempts = row.attempts or 0
            if row.status is None and now - as_utc(row.created_at) > MAX_AGE:
                self._claim(row.key, None, "expired")
                summary["expired"] += 1
                continue
            if not self._claim(row.key, row.status, "sending"):
                continue  # another run took it
            try:
                _send(target, self.postman.compose(row, now))
            except (smtplib.SMTPException, OSError, ValueError) as error:
                attempts += 1
                status = "failed" if attempts >= MAX_ATTEMPTS else "retry"
                self._mark(row.key, status=status, attempts=attempts, next_attempt_at=now + timedelta(minutes=2**attempts), last_error=str(error)[:500])
                summary[status] += 1
                continue
            self._mark(row.key, status="sent", attempts=attempts + 1, sent_at=now)
            summary["sent"] += 1

    def _mark(self, key: str, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(deliveries).where(deliveries.c.key == key).values(**values))

    def _claim(self, key: str, previous: str | None, status: str) -> bool:
        """Take a message for this run; False when another run took it first."""
        with self.engine.begin() as connection:
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
