"""The security event log (OWASP ASVS V16): logins, lockouts, authorisation failures,
exports, user and role changes, token issuance. Each event is a row (read-only for
auditors in the UI) and a structured JSON log line; JSON encoding escapes whatever a
user typed, so nobody can forge log lines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any

import structlog
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .domain.actors import Actor
from .domain.codes import OrgKind, Role
from .domain.text import fold
from .messages import MESSAGES
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


KIND_LABELS = {
    "login": "ログイン",
    "lockout": "アカウントロック",
    "token_issued": "APIトークン発行",
    "enrolment_token_issued": "二要素認証登録用トークン発行",
    "mfa_enrolled": "二要素認証の登録",
    "sessions_ended": "セッション終了",
    "authorisation_failure": "権限のない操作",
    "export": "データの出力",
    "org_added": "組織の登録",
    "user_added": "利用者の登録",
    "user_enabled": "利用者の有効化",
    "user_disabled": "利用者の無効化",
}
OUTCOME_LABELS = {"success": "成功", "failure": "失敗", "locked": "ロック中", "totp_required": "ワンタイムコード未入力"}
DETAIL_LABELS = {
    "channel": "経路",
    "reason": "理由",
    "expires_at": "有効期限",
    "failures": "連続失敗回数",
    "what": "出力形式",
    "engagement_id": "審査案件",
    "path": "画面・API",
    "method": "方式",
    "user": "利用者ID",
    "org": "組織ID",
    "org_added": "組織ID",
    "name": "名前",
    "org_kind": "組織の種別",
    "role": "役割",
    "email": "メールアドレス",
}
VALUE_LABELS = {
    "channel": {"web": "画面", "api": "API"},
    "reason": {"logout": "ログアウト", "password_changed": "パスワード変更", "disabled": "利用者の無効化"},
    "what": {"xlsx": "Excel（フォーマット）", "pdf": "審査記録（PDF）"},
    "role": {role.value: role.label for role in Role},
    "org_kind": {kind.value: kind.label for kind in OrgKind},
}
PAGE_SIZE = 50


def outcome_label(event: "SecurityEvent") -> str:
    """成功 / 失敗 …; a refused request names why, in the words of its error code."""
    if event.kind == "authorisation_failure":
        return f"拒否（{MESSAGES.get(event.outcome, event.outcome)}）"
    return OUTCOME_LABELS.get(event.outcome, event.outcome)


def describe(event: "SecurityEvent", zone: tzinfo) -> list[tuple[str, str]]:
    """The event's details as Japanese label and value pairs (times in ``zone``)."""
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        detail = {}
    pairs = []
    for key, value in (detail.items() if isinstance(detail, dict) else ()):
        if key == "expires_at" and isinstance(value, str):
            try:
                value = datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            except ValueError:
                pass
        text = VALUE_LABELS.get(key, {}).get(value, value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        pairs.append((DETAIL_LABELS.get(key, key), str(text)))
    return pairs


@dataclass(frozen=True)
class EventFilter:
    """What the security log page asks for: kind, a user's name or address, a period (UTC)."""

    kind: str = ""
    who: str = ""
    since: datetime | None = None
    until: datetime | None = None


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
        org_id: str = "",
        user_id: str = "",
        **detail: Any,
    ) -> None:
        """One event. ``org_id`` names the organisation it concerns when that is not the actor's
        (a failed login of a known address, a user added by the operator); ``user_id`` the
        account when nobody is signed in (a failed login)."""
        now = datetime.now(timezone.utc)
        row = SecurityEvent(
            at=now,
            kind=kind[:40],
            outcome=outcome[:60],
            actor_id=actor.id if actor else user_id,
            actor_name=actor.name if actor else "",
            org_id=org_id or (actor.org_id if actor else ""),
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

    def events(
        self, org_id: str | None, where: EventFilter = EventFilter(), *, page: int = 1, per_page: int = PAGE_SIZE
    ) -> tuple[list[SecurityEvent], bool]:
        """One page of events, newest first, and whether an older page follows: those of
        ``org_id`` (``None``: every organisation's, for the operator's admins)."""
        query = select(SecurityEvent).order_by(SecurityEvent.id.desc())
        if org_id is not None:
            query = query.where(SecurityEvent.org_id == org_id)
        if where.kind:
            query = query.where(SecurityEvent.kind == where.kind)
        if where.who:
            query = query.where(
                SecurityEvent.email.ilike(f"%{escape_like(fold(where.who))}%", escape="\\")
                | SecurityEvent.actor_name.ilike(f"%{escape_like(where.who)}%", escape="\\")
            )
        if where.since is not None:
            query = query.where(SecurityEvent.at >= where.since)
        if where.until is not None:
            query = query.where(SecurityEvent.at < where.until)
        query = query.offset((max(page, 1) - 1) * per_page).limit(per_page + 1)
        with self.sessions() as session:
            rows = list(session.scalars(query))
            for row in rows:
                session.expunge(row)
        return rows[:per_page], len(rows) > per_page


def escape_like(text: str) -> str:
    """Typed text matched literally inside LIKE (its % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
