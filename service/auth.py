"""Authentication: password login with lockout, optional TOTP, and revocable API tokens.

Failed attempts are counted per e-mail address whether or not an account exists,
so the responses (and their timing) do not reveal which addresses are registered.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import pyotp
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .accounts import Accounts, User, normalise_email
from .domain.actors import Actor
from .domain.errors import AccountLocked, Invalid, InvalidCredentials, InvalidToken, TotpRequired
from .storage import Base

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(hours=1)


class LoginFailures(Base):
    __tablename__ = "login_failures"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginEvent(Base):
    """Every login attempt, for the user's own login history and the auditors."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(10), default="web")  # web | api
    outcome: Mapped[str] = mapped_column(String(20))  # success | failure | locked | totp_required


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Authenticator:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        accounts: Accounts,
        secret_key: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.accounts = accounts
        self.serializer = URLSafeSerializer(secret_key, salt="api-token")
        self.clock = clock

    # ------------------------------------------------------------------ login

    def login(
        self, email: str, password: str, totp: str | None = None, *, client: str = "", channel: str = "web"
    ) -> Actor:
        """Check credentials (and TOTP when enrolled); lock after repeated failures.
        Every attempt is recorded in the login history."""
        key = normalise_email(email, strict=False)
        now = self.clock()
        with self.sessions.begin() as session:
            failures = session.get(LoginFailures, key)
            if failures and failures.locked_until and as_utc(failures.locked_until) > now:
                log.warning("login refused: account locked")
                self._record(key, None, now, client, channel, "locked")
                raise AccountLocked("too many failed logins; try again later")
        actor = self.accounts.authenticate(key, password)
        if actor is not None:
            secret = self._totp_secret(actor.id)
            if secret and not totp:
                self._record(key, actor.id, now, client, channel, "totp_required")
                raise TotpRequired("this account needs its one-time code (totp)")
            if secret and not self._totp_ok(secret, totp or ""):
                actor = None
        if actor is None:
            self._count_failure(key, now)
            self._record(key, None, now, client, channel, "failure")
            raise InvalidCredentials("e-mail address, password or one-time code is wrong")
        with self.sessions.begin() as session:
            failures = session.get(LoginFailures, key)
            if failures:
                session.delete(failures)
        self._record(key, actor.id, now, client, channel, "success")
        return actor

    def _record(self, email: str, user_id: str | None, at: datetime, client: str, channel: str, outcome: str) -> None:
        with self.sessions.begin() as session:
            session.add(LoginEvent(email=email, user_id=user_id, at=at, client=client[:64], channel=channel, outcome=outcome))

    def login_history(self, actor: Actor, limit: int = 20) -> list[LoginEvent]:
        """The user's own recent login attempts (by address, so failures show too)."""
        email = self.accounts.email_of(actor.id)
        with self.sessions() as session:
            events = list(
                session.scalars(
                    select(LoginEvent).where(LoginEvent.email == email).order_by(LoginEvent.id.desc()).limit(limit)
                )
            )
            for event in events:
                session.expunge(event)
            return events

    def _count_failure(self, key: str, now: datetime) -> None:
        with self.sessions.begin() as session:
            failures = session.get(LoginFailures, key) or LoginFailures(email=key, count=0)
            if failures.locked_until and as_utc(failures.locked_until) <= now:
                failures.count, failures.locked_until = 0, None
            failures.count += 1
            if failures.count >= MAX_FAILURES:
                failures.locked_until = now + LOCKOUT
                log.warning("account locked after %d failed logins", failures.count, extra={"email": key})
            session.add(failures)

    # ------------------------------------------------------------------ TOTP

    def has_totp(self, actor: Actor) -> bool:
        return self._totp_secret(actor.id) is not None

    def _totp_secret(self, user_id: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(User.totp_secret).where(User.id == user_id))

    @staticmethod
    def _totp_ok(secret: str, code: str) -> bool:
        return pyotp.TOTP(secret).verify(code.strip(), valid_window=1)

    def start_totp_enrolment(self) -> str:
        """A new secret for the user to scan; it takes effect once confirmed."""
        return pyotp.random_base32()

    def confirm_totp(self, actor: Actor, secret: str, code: str) -> None:
        if not self._totp_ok(secret, code):
            raise Invalid("the one-time code does not match", field="code")
        with self.sessions.begin() as session:
            session.get(User, actor.id).totp_secret = secret

    def totp_uri(self, actor: Actor, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=actor.name, issuer_name="FISC API接続審査")

    # ------------------------------------------------------------------ API tokens

    def issue_token(self, actor: Actor) -> IssuedToken:
        now = self.clock()
        token_id = secrets.token_urlsafe(32)
        expires_at = now + TOKEN_LIFETIME
        with self.sessions.begin() as session:
            session.add(ApiToken(id=token_id, user_id=actor.id, issued_at=now, expires_at=expires_at))
        return IssuedToken(self.serializer.dumps(token_id), expires_at)

    def _token_row(self, session: Session, token: str) -> ApiToken:
        try:
            token_id = self.serializer.loads(token)
        except BadSignature:
            raise InvalidToken("the token is not valid") from None
        row = session.get(ApiToken, token_id) if isinstance(token_id, str) else None
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= self.clock():
            raise InvalidToken("the token is expired or revoked")
        return row

    def actor_for_token(self, token: str) -> Actor:
        with self.sessions() as session:
            user_id = self._token_row(session, token).user_id
        actor = self.accounts.actor(user_id)
        if actor is None:
            raise InvalidToken("the account is disabled")
        return actor

    def revoke_token(self, token: str) -> None:
        with self.sessions.begin() as session:
            self._token_row(session, token).revoked_at = self.clock()
