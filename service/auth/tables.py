"""The SQL rows of authentication: login attempts, browser sessions, API tokens and TOTP
enrolments. Every session and token is stamped with its user's *credentials epoch*;
logout, a password change or disabling the account bumps it, which ends them all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..accounts import User
from ..storage import Base


class LoginFailures(Base):
    __tablename__ = "login_failures"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginEvent(Base):
    """Every login attempt, for the user's own login history."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(10), default="web")  # web | api
    outcome: Mapped[str] = mapped_column(String(20))  # success | failure | locked | totp_required


class TotpEnrolment(Base):
    """A second-factor enrolment over the API: the enrolment token's id, whose it is and the
    secret offered, until it is confirmed (then ``used_at``) or expires."""

    __tablename__ = "totp_enrolments"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSession(Base):
    """A browser session held on the server: the cookie carries only its random id."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mfa_pending: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class IssuedToken:
    """A signed token as handed out (API or enrolment token), with when it stops working."""

    token: str
    expires_at: datetime


def credentials_epoch(session: Session, user_id: str) -> int:
    """The user's epoch now, stamped on each new session and token."""
    return session.scalar(select(User.credentials_epoch).where(User.id == user_id)) or 0
