"""Notifications: an in-app notice per organisation side and one e-mail per recipient,
derived from the events (so each event yields its messages exactly once, in the same
transaction as the projection's tracking position).

E-mails go to the mailer's outbox through its ``Outbox`` interface, in this projection's
transaction and with a key stable across rebuilds (the mailer keeps delivery state apart,
so a rebuild never re-sends). A mail keeps its link as a path: the mailer prefixes
``APP_BASE_URL`` when it sends, so a changed base URL applies to mail still waiting.
Recipients are the active users of the organisation, with the side's role, who
already existed when the event happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, DateTime, Index, String, Table, Text, select

from ..accounts import User
from ..domain.actors import Side
from ..domain.answer_library import AnswerLibrary
from ..domain.engagement import Engagement
from ..domain.codes import CycleReason, Outcome
from ..mailer import Mail, Outbox
from ..storage import Base, as_utc
from .page_rows import insert_rows
from .parties import RemembersParties, parties_table
from .runner import Projection

notifications = Table(
    "notifications",
    Base.metadata,
    Column("key", String(40), primary_key=True),  # "<position>:<side>"
    Column("engagement_id", String(36), nullable=False),
    Column("org_id", String(36), nullable=False),
    Column("side", String(10), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_notifications_org", "org_id", "created_at"),
)

notification_parties = parties_table("rm_notification_parties")
SIDE_ROLE = {"bank": "reviewer", "connector": "connector"}


@dataclass(frozen=True)
class Message:
    side: str  # bank | connector
    kind: str
    subject: str
    text: str


def messages_for(event: Any, title: str) -> list[Message]:
    """What each side is told about an event (Japanese subjects and bodies)."""
    kind = type(event).__name__
    acted = Side.of(event.actor["role"])  # a reply or a withdrawal is told to the other side
    other = acted.other.value if acted else None
    if kind == "Opened":
        return [Message("connector", "opened", f"審査依頼が届きました: {title}", "チェックリストへの回答を作成してください。")]
    if kind == "Submitted":
        return [Message("bank", "submitted", f"回答が提出されました: {title}", "各確認項目の審査を開始してください。")]
    if kind == "QuestionAsked":
        return [Message("connector", "question", f"通番{event.number}に質問が届きました: {title}", event.text)]
    if kind == "ReplyPosted":
        return [Message(other, "reply", f"通番{event.number}の質問に返信がありました: {title}", event.text)]
    if kind == "Decided":
        return [
            Message(
                "connector",
                "decided",
                f"審査結果（{Outcome(event.outcome).label}）: {title}",
                event.comment + (f"\n次回モニタリング予定日: {event.next_review_on}" if event.next_review_on else ""),
            )
        ]
    if kind == "ReviewCycleStarted":
        label = CycleReason(event.reason).label
        text = f"第{event.cycle}回 {label}として、{len(event.items)}項目の回答の見直しが必要です。"
        return [Message(side, "cycle", f"{label}を開始しました: {title}", text) for side in ("connector", "bank")]
    if kind == "AdvisoryNoticed":
        return [
            Message(
                "connector",
                "advisory",
                f"FISCから注意喚起があります: {event.title}",
                f"案件「{title}」の対象項目: 通番{'、'.join(map(str, event.items)) or 'なし'}"
                + (f"\n回答期限: {event.respond_by}" if event.respond_by else ""),
            )
        ]
    if kind == "ReminderSent":
        sides = ("bank", "connector") if event.to == "both" else (event.to,)
        label = "督促" if event.stage == 1 else "エスカレーション"
        return [Message(side, "reminder", f"【{label}】{event.text}: {title}", event.text) for side in sides]
    if kind == "Withdrawn":
        return [Message(other, "withdrawn", f"案件が取り下げられました: {title}", event.reason)]
    return []


class NotificationProjection(RemembersParties, Projection):
    """Notices and e-mails are collected per page and written once per page (the mails
    through the mailer's outbox); the recipients of each organisation side are read once per page."""

    name = "notifications"
    outbox = Outbox()
    tables = (notifications, *outbox.tables, notification_parties)
    parties = notification_parties
    event_types = (Engagement.Event, AnswerLibrary.Event)
    version = 2  # mails keep their link as a path and carry their Message-ID

    def __init__(self) -> None:
        super().__init__()
        self._start_batch()

    def _start_batch(self) -> None:
        self._notices: list[dict[str, Any]] = []
        self._mails: list[Mail] = []
        self._recipients: dict[tuple[str, str], list[tuple[str, str, datetime]]] = {}

    def start_page(self, connection: Connection, events: Sequence[Any]) -> None:
        super().start_page(connection, events)
        self._start_batch()

    def finish_page(self, connection: Connection) -> None:
        super().finish_page(connection)
        insert_rows(connection, notifications, self._notices)
        self.outbox.queue(connection, self._mails)
        self._start_batch()

    def apply(self, connection: Connection, event: Any, position: int) -> None:
        if isinstance(event, AnswerLibrary.Event):
            if type(event).__name__ == "ExpiryNoticed":
                self._certification_expiry(connection, event, position)
            return
        super().apply(connection, event, position)  # remembers the parties on Opened
        party = self.parties_of(event)
        link = f"/engagements/{party['engagement_id']}"
        for message in messages_for(event, party["title"]):
            org_id = party["bank_id"] if message.side == "bank" else party["connector_id"]
            body = f"{message.text}\n\n案件: {party['title']}\n{party['bank_name']} × {party['connector_name']}\n"
            self._notify(connection, position, event, party["engagement_id"], org_id, message, body, link)

    def _certification_expiry(self, connection: Connection, event: Any, position: int) -> None:
        when = "本日" if event.days_before == 0 else f"{event.days_before}日後"
        message = Message(
            "connector",
            "certification",
            f"第三者認証の有効期限（{event.valid_until}）が{when}です: {event.label}",
            "更新後の認証を回答ライブラリに登録してください。",
        )
        self._notify(connection, position, event, "", event.connector_org_id, message, f"{message.text}\n", "/library")

    def _recipients_of(self, connection: Connection, org_id: str, role: str) -> list[tuple[str, str, datetime]]:
        """Active users of an organisation with a role: (id, e-mail, created at), read once per page."""
        if (org_id, role) not in self._recipients:
            self._recipients[(org_id, role)] = [
                (user_id, email, as_utc(created_at))
                for user_id, email, created_at in connection.execute(
                    select(User.id, User.email, User.created_at)
                    .where(User.org_id == org_id, User.role == role, User.active.is_(True))
                    .order_by(User.created_at, User.id)
                )
            ]
        return self._recipients[(org_id, role)]

    def _notify(
        self,
        connection: Connection,
        position: int,
        event: Any,
        engagement_id: str,
        org_id: str,
        message: Message,
        body: str,
        link: str,
    ) -> None:
        key = f"{position}:{message.side}"
        self._notices.append(
            {
                "key": key,
                "engagement_id": engagement_id,
                "org_id": org_id,
                "side": message.side,
                "kind": message.kind,
                "subject": message.subject,
                "body": body,
                "created_at": event.timestamp,
            }
        )
        for user_id, email, created_at in self._recipients_of(connection, org_id, SIDE_ROLE[message.side]):
            if created_at > event.timestamp:
                continue  # not yet a user when it happened
            self._mails.append(
                Mail(f"{key}:{user_id}", engagement_id, user_id, email, message.subject, body, link, event.timestamp, position)
            )
