"""Authentication: password login with lockout, TOTP (single use, mandatory for some
roles), server-side browser sessions and revocable API tokens.

Failed attempts are counted per e-mail address whether or not an account exists, so
the responses (and their timing) do not reveal which addresses are registered.
Every session and token records the user's *credentials epoch*; logout, a password
change or disabling the account bumps it, which ends every other session and token.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

import pyotp
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Boolean, DateTime, Engine, ForeignKey, Integer, Select, String, bindparam, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .accounts import Accounts, Org, User, check_password, normalise_email
from .domain.actors import Actor
from .domain.codes import Role
from .domain.errors import (
    AccountLocked,
    Forbidden,
    Invalid,
    InvalidCredentials,
    InvalidToken,
    TotpRequired,
)
from .security_log import SecurityLog
from .storage import Base, as_utc

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(hours=1)
SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=12)
TOTP_STEP = 30
ENROLMENT_LIFETIME = timedelta(minutes=10)


class MfaEnrolmentRequired(Forbidden):
    """The role needs a second factor and none is enrolled yet (enrol in the browser, or over
    the API with the enrolment token the API answers with)."""

    code = "mfa_enrolment_required"


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


def _credential_query(credential: type[WebSession] | type[ApiToken]) -> Select:
    """A session or token row with its user's state, name and organisation. Built once: on
    every request, building and keying a statement costs more than running it."""
    table, users, orgs = credential.__table__, User.__table__, Org.__table__
    return (
        select(
            table,
            users.c.name.label("user_name"),
            users.c.role,
            users.c.active,
            users.c.credentials_epoch,
            users.c.org_id,
            orgs.c.name.label("org_name"),
        )
        .join(users, users.c.id == table.c.user_id)
        .join(orgs, orgs.c.id == users.c.org_id)
        .where(table.c.id == bindparam("credential_id"))
    )


CREDENTIAL_QUERIES = {WebSession: _credential_query(WebSession), ApiToken: _credential_query(ApiToken)}


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class LiveSession:
    id: str
    actor: Actor
    mfa_pending: bool



class Authenticator:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        reads: Engine,
        accounts: Accounts,
        secret_key: str,
        clock: Callable[[], datetime],
        security_log: SecurityLog,
        mfa_required_roles: tuple[str, ...] = (),
    ) -> None:
        self.sessions = sessions
        self.reads = reads  # the read engine (``storage.reading``), for the credential lookup of every request
        self.accounts = accounts
        self.serializer = URLSafeSerializer(secret_key, salt="api-token")
        # signed apart (another salt): an enrolment token is refused by every other route
        self.enrolment_serializer = URLSafeSerializer(secret_key, salt="totp-enrolment")
        self.clock = clock
        self.security_log = security_log
        self.mfa_required_roles = mfa_required_roles

    # ------------------------------------------------------------------ login

    def login(
        self, email: str, password: str, totp: str | None = None, *, client: str = "", channel: str = "web"
    ) -> Actor:
        """Check credentials (and TOTP when enrolled); lock after repeated failures.

        A role that must use a second factor but has none enrolled raises
        ``MfaEnrolmentRequired`` *after* the password was checked (the browser
        then only offers the enrolment page)."""
        key = normalise_email(email, strict=False)
        now = self.clock()
        with self.sessions() as session:
            failures = session.get(LoginFailures, key)
            locked = failures is not None and failures.locked_until and as_utc(failures.locked_until) > now
        if locked:
            self._record(key, now, client, channel, "locked")
            raise AccountLocked("ログインに続けて失敗したため、ロックされています。")
        actor = self.accounts.authenticate(key, password)
        if actor is not None:
            secret = self._totp_secret(actor.id)
            if secret and not totp:
                self._record(key, now, client, channel, "totp_required")
                raise TotpRequired("ワンタイムコードが必要です。")
            if secret and not self._use_totp(actor.id, secret, totp or ""):
                actor = None
        if actor is None:
            account = self.accounts.account_of(key)
            self._count_failure(key, now, account)
            self._record(key, now, client, channel, "failure", account=account)
            raise InvalidCredentials("メールアドレス、パスワードまたはワンタイムコードが正しくありません。")
        with self.sessions.begin() as session:
            failures = session.get(LoginFailures, key)
            if failures:
                session.delete(failures)
        self._record(key, now, client, channel, "success", actor=actor)
        if actor.role.value in self.mfa_required_roles and not self.has_totp(actor):
            raise MfaEnrolmentRequired("この役割では二要素認証の登録が必要です。", actor=actor)
        return actor

    def _record(
        self,
        email: str,
        at: datetime,
        client: str,
        channel: str,
        outcome: str,
        *,
        actor: Actor | None = None,
        account: tuple[str, str] | None = None,
    ) -> None:
        """A login attempt, in the user's history and the security log. A failed attempt on a
        known address is recorded under that user and organisation, so the bank's auditors see
        attempts on their users; an unknown address stays without organisation."""
        if actor is not None:
            account = (actor.id, actor.org_id)
        elif account is None:
            account = self.accounts.account_of(email)
        user_id, org_id = account or ("", "")
        with self.sessions.begin() as session:
            session.add(
                LoginEvent(email=email, user_id=user_id or None, at=at, client=client[:64], channel=channel, outcome=outcome)
            )
        self.security_log.record(
            "login", outcome, actor=actor, email=email, client=client, org_id=org_id, user_id=user_id, channel=channel
        )

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

    def _count_failure(self, key: str, now: datetime, account: tuple[str, str] | None) -> None:
        with self.sessions.begin() as session:
            failures = session.get(LoginFailures, key) or LoginFailures(email=key, count=0)
            if failures.locked_until and as_utc(failures.locked_until) <= now:
                failures.count, failures.locked_until = 0, None
            failures.count += 1
            if failures.count >= MAX_FAILURES:
                failures.locked_until = now + LOCKOUT
                user_id, org_id = account or ("", "")
                self.security_log.record(
                    "lockout", "locked", email=key, org_id=org_id, user_id=user_id, failures=failures.count
                )
            session.add(failures)

    # ------------------------------------------------------------------ TOTP

    def has_totp(self, actor: Actor) -> bool:
        return self._totp_secret(actor.id) is not None

    def _totp_secret(self, user_id: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(User.totp_secret).where(User.id == user_id))

    def _matching_step(self, secret: str, code: str) -> int | None:
        """The time step (within ±1) whose code this is, or None (a code typed in full-width
        digits is read after NFKC; anything else not ASCII cannot match)."""
        code = unicodedata.normalize("NFKC", code).strip()
        if not code.isascii():
            return None
        now = self.clock().timestamp()
        totp = pyotp.TOTP(secret)
        for offset in (0, -1, 1):
            step = int(now // TOTP_STEP) + offset
            if secrets.compare_digest(totp.at(step * TOTP_STEP), code):
                return step
        return None

    def _use_totp(self, user_id: str, secret: str, code: str) -> bool:
        """A code is accepted once: a replay within its window is refused."""
        step = self._matching_step(secret, code)
        if step is None:
            return False
        with self.sessions.begin() as session:
            used = session.execute(
                update(User)
                .where(User.id == user_id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step)
            )
            return used.rowcount == 1

    def start_totp_enrolment(self) -> str:
        """A new secret for the user to scan; it takes effect once confirmed."""
        return pyotp.random_base32()

    def confirm_totp(self, actor: Actor, secret: str, code: str) -> None:
        step = self._matching_step(secret, code)
        if step is None:
            raise Invalid("ワンタイムコードが一致しません。認証アプリに表示されている6桁の数字を入力してください。", field="code")
        with self.sessions.begin() as session:
            user = session.get(User, actor.id)
            user.totp_secret = secret
            user.totp_last_step = step
        self.security_log.record("mfa_enrolled", "success", actor=actor)

    def totp_uri(self, actor: Actor, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=actor.name, issuer_name="FISC API接続審査")

    # ------------------------------------------------------------------ TOTP enrolment over the API

    def issue_enrolment_token(self, actor: Actor, client: str = "") -> IssuedToken:
        """A short-lived token (10 min) good only for enrolling a second factor: handed out
        instead of an API token when the password was right but the role must enrol first."""
        now = self.clock()
        token_id = secrets.token_urlsafe(32)
        expires_at = now + ENROLMENT_LIFETIME
        with self.sessions.begin() as session:
            session.add(TotpEnrolment(id=token_id, user_id=actor.id, epoch=self._epoch(session, actor.id), expires_at=expires_at))
        self.security_log.record(
            "enrolment_token_issued", "success", actor=actor, client=client, expires_at=expires_at.isoformat()
        )
        return IssuedToken(self.enrolment_serializer.dumps(token_id), expires_at)

    def _enrolment(self, session: Session, token: str) -> tuple[TotpEnrolment, Actor]:
        """The live enrolment of this token: unused, unexpired, the user active, its credentials
        unchanged since and still without a second factor."""
        try:
            token_id = self.enrolment_serializer.loads(token)
        except BadSignature:
            raise InvalidToken("登録用トークンが無効です。") from None
        row = session.get(TotpEnrolment, token_id) if isinstance(token_id, str) else None
        user = session.get(User, row.user_id) if row is not None else None
        if (
            row is None
            or row.used_at is not None
            or as_utc(row.expires_at) <= self.clock()
            or not user.active
            or row.epoch != (user.credentials_epoch or 0)
            or user.totp_secret is not None
        ):
            raise InvalidToken("登録用トークンが無効か期限切れです。")
        return row, self.accounts.actor_of(session, user)

    def enrol_totp(self, token: str) -> tuple[str, str]:
        """A new secret (and its otpauth URI) for the token's user; confirming it makes it count."""
        secret = self.start_totp_enrolment()
        with self.sessions.begin() as session:
            row, actor = self._enrolment(session, token)
            row.secret = secret
        return secret, self.totp_uri(actor, secret)

    def confirm_enrolled_totp(self, token: str, code: str) -> None:
        """The first code from the app turns the offered secret on; the token is then spent."""
        with self.sessions() as session:
            row, actor = self._enrolment(session, token)
            secret = row.secret
        if secret is None:
            raise Invalid("先に認証アプリの登録（/auth/totp/enrol）を行ってください。", field="code")
        self.confirm_totp(actor, secret, code)
        with self.sessions.begin() as session:
            session.execute(update(TotpEnrolment).where(TotpEnrolment.id == row.id).values(used_at=self.clock()))

    # ------------------------------------------------------------------ browser sessions

    def _epoch(self, session: Session, user_id: str) -> int:
        return session.scalar(select(User.credentials_epoch).where(User.id == user_id)) or 0

    def start_session(self, actor: Actor, *, mfa_pending: bool = False) -> str:
        """A new server-side session (a new id at every login)."""
        now = self.clock()
        session_id = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            session.add(
                WebSession(
                    id=session_id,
                    user_id=actor.id,
                    epoch=self._epoch(session, actor.id),
                    created_at=now,
                    last_seen_at=now,
                    mfa_pending=mfa_pending,
                )
            )
        return session_id

    def _credential(self, credential: type[WebSession] | type[ApiToken], credential_id: str) -> Any:
        """A session or token row with its user, or None: one Core query on a pooled read
        connection (every request asks; no ORM session or objects)."""
        with self.reads.connect() as connection:
            return connection.execute(CREDENTIAL_QUERIES[credential], {"credential_id": credential_id}).one_or_none()

    @staticmethod
    def _actor(found: Any) -> Actor:
        return Actor(id=found.user_id, name=found.user_name, org_id=found.org_id, org_name=found.org_name, role=Role(found.role))

    def resume_session(self, session_id: str) -> LiveSession | None:
        """The session if it is still alive (not ended, not idle 30 min, not older than 12 h)."""
        if not isinstance(session_id, str):
            return None
        now = self.clock()
        found = self._credential(WebSession, session_id)
        if found is None or found.ended_at is not None or found.epoch != (found.credentials_epoch or 0) or not found.active:
            return None
        idle = now - as_utc(found.last_seen_at)
        if idle > SESSION_IDLE or now - as_utc(found.created_at) > SESSION_ABSOLUTE:
            self._update_session(session_id, ended_at=now)
            return None
        if idle > timedelta(seconds=60):
            self._update_session(session_id, last_seen_at=now)
        return LiveSession(session_id, self._actor(found), found.mfa_pending)

    def _update_session(self, session_id: str, **values: Any) -> None:
        with self.sessions.begin() as session:
            session.execute(update(WebSession).where(WebSession.id == session_id).values(**values))

    def finish_mfa(self, session_id: str) -> None:
        self._update_session(session_id, mfa_pending=False)

    def end_everything(self, actor: Actor, reason: str) -> None:
        """End every session and token of the user (logout, password change, disable)."""
        with self.sessions.begin() as session:
            session.execute(
                update(User).where(User.id == actor.id).values(credentials_epoch=User.credentials_epoch + 1)
            )
        self.security_log.record("sessions_ended", "success", actor=actor, reason=reason)

    def change_password(self, actor: Actor, current: str, new: str) -> None:
        if self.accounts.authenticate(self.accounts.email_of(actor.id), current) is None:
            raise Invalid("現在のパスワードが正しくありません。", field="current_password")
        check_password(new)
        self.accounts.set_password(actor.id, new)
        self.end_everything(actor, "password_changed")

    # ------------------------------------------------------------------ API tokens

    def issue_token(self, actor: Actor, client: str = "") -> IssuedToken:
        now = self.clock()
        token_id = secrets.token_urlsafe(32)
        expires_at = now + TOKEN_LIFETIME
        with self.sessions.begin() as session:
            session.add(
                ApiToken(id=token_id, user_id=actor.id, epoch=self._epoch(session, actor.id), issued_at=now, expires_at=expires_at)
            )
        self.security_log.record("token_issued", "success", actor=actor, client=client, expires_at=expires_at.isoformat())
        return IssuedToken(self.serializer.dumps(token_id), expires_at)

    def _token_id(self, token: str) -> str:
        try:
            token_id = self.serializer.loads(token)
        except BadSignature:
            raise InvalidToken("認証トークンが無効です。") from None
        if not isinstance(token_id, str):
            raise InvalidToken("認証トークンが無効か期限切れです。")
        return token_id

    def _require_live(self, row: Any, credentials_epoch: int | None) -> None:
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= self.clock() or row.epoch != credentials_epoch:
            raise InvalidToken("認証トークンが無効か期限切れです。")

    def _token_row(self, session: Session, token: str) -> ApiToken:
        row = session.get(ApiToken, self._token_id(token))
        self._require_live(row, self._epoch(session, row.user_id) if row is not None else None)
        return row

    def actor_for_token(self, token: str) -> Actor:
        """The token's user, read with the token in one query (every API call asks)."""
        found = self._credential(ApiToken, self._token_id(token))
        self._require_live(found, (found.credentials_epoch or 0) if found is not None else None)
        if not found.active:
            raise InvalidToken("利用者が無効にされています。")
        return self._actor(found)

    def revoke_token(self, token: str) -> None:
        """Logout over the API: this token, and every other session and token of the user."""
        actor = self.actor_for_token(token)
        with self.sessions.begin() as session:
            self._token_row(session, token).revoked_at = self.clock()
        self.end_everything(actor, "logout")
