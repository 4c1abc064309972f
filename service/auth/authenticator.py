"""Who is calling: password login with lockout, server-side browser sessions and revocable
API tokens (``totp.SecondFactor`` judges the one-time code a login brings).

Failed attempts are counted per e-mail address whether or not an account exists, so
the responses (and their timing) do not reveal which addresses are registered.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine, Select, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..accounts import Accounts, Org, User, check_password, normalise_email
from ..domain.actors import Actor
from ..domain.codes import Role
from ..domain.errors import AccountLocked, Forbidden, Invalid, InvalidCredentials, InvalidToken, TotpRequired
from ..security_log import SecurityLog
from ..storage import as_utc
from .tables import ApiToken, IssuedToken, LoginEvent, LoginFailures, WebSession, credentials_epoch
from .totp import SecondFactor

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(hours=1)
SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=12)


class MfaEnrolmentRequired(Forbidden):
    """The role needs a second factor and none is enrolled yet (enrol in the browser, or over
    the API with the enrolment token the API answers with)."""

    code = "mfa_enrolment_required"


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
class LiveSession:
    id: str
    actor: Actor
    mfa_pending: bool


class Authenticator:
    """Turns credentials into an actor: a password (and code) at login, then a session id or an
    API token on every request."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        reads: Engine,
        accounts: Accounts,
        second_factor: SecondFactor,
        secret_key: str,
        clock: Callable[[], datetime],
        security_log: SecurityLog,
        mfa_required_roles: tuple[str, ...] = (),
    ) -> None:
        self.sessions = sessions
        self.reads = reads  # the read engine (``storage.reading``), for the credential lookup of every request
        self.accounts = accounts
        self.second_factor = second_factor
        self.token_serializer = URLSafeSerializer(secret_key, salt="api-token")
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
        enrolled = actor is not None and self.second_factor.has_totp(actor)
        if enrolled and not totp:
            self._record(key, now, client, channel, "totp_required")
            raise TotpRequired("ワンタイムコードが必要です。")
        if enrolled and not self.second_factor.use_code(actor, totp):
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
        if actor.role.value in self.mfa_required_roles and not enrolled:
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

    # ------------------------------------------------------------------ browser sessions

    def start_session(self, actor: Actor, *, mfa_pending: bool = False) -> str:
        """A new server-side session (a new id at every login)."""
        now = self.clock()
        session_id = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            session.add(
                WebSession(
                    id=session_id,
                    user_id=actor.id,
                    epoch=credentials_epoch(session, actor.id),
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
        """The session that waited for its second factor has enrolled one: every page is open to it."""
        self._update_session(session_id, mfa_pending=False)

    def sign_out_everywhere(self, actor: Actor, reason: str) -> None:
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
        self.sign_out_everywhere(actor, "password_changed")

    # ------------------------------------------------------------------ API tokens

    def issue_token(self, actor: Actor, client: str = "") -> IssuedToken:
        now = self.clock()
        token_id = secrets.token_urlsafe(32)
        expires_at = now + TOKEN_LIFETIME
        with self.sessions.begin() as session:
            session.add(
                ApiToken(id=token_id, user_id=actor.id, epoch=credentials_epoch(session, actor.id), issued_at=now, expires_at=expires_at)
            )
        self.security_log.record("token_issued", "success", actor=actor, client=client, expires_at=expires_at.isoformat())
        return IssuedToken(self.token_serializer.dumps(token_id), expires_at)

    def _token_id(self, token: str) -> str:
        try:
            token_id = self.token_serializer.loads(token)
        except BadSignature:
            raise InvalidToken("認証トークンが無効です。") from None
        if not isinstance(token_id, str):
            raise InvalidToken("認証トークンが無効か期限切れです。")
        return token_id

    def _require_live(self, row: Any, epoch: int | None) -> None:
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= self.clock() or row.epoch != epoch:
            raise InvalidToken("認証トークンが無効か期限切れです。")

    def _token_row(self, session: Session, token: str) -> ApiToken:
        row = session.get(ApiToken, self._token_id(token))
        self._require_live(row, credentials_epoch(session, row.user_id) if row is not None else None)
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
        self.sign_out_everywhere(actor, "logout")
