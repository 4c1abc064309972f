"""The second factor: TOTP secrets enrolled in the browser or over the API (with a short-lived
enrolment token), and the single-use codes a login checks."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Callable

import pyotp
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ..accounts import User, actor_of
from ..domain.actors import Actor
from ..domain.errors import Invalid, InvalidToken
from ..security_log import SecurityLog
from ..storage import as_utc
from .tables import IssuedToken, TotpEnrolment, credentials_epoch

TOTP_STEP = 30
ENROLMENT_LIFETIME = timedelta(minutes=10)


class SecondFactor:
    def __init__(
        self, sessions: sessionmaker[Session], secret_key: str, clock: Callable[[], datetime], security_log: SecurityLog
    ) -> None:
        self.sessions = sessions
        # signed apart from API tokens (another salt): an enrolment token is refused by every other route
        self.enrolment_serializer = URLSafeSerializer(secret_key, salt="totp-enrolment")
        self.clock = clock
        self.security_log = security_log

    # ------------------------------------------------------------------ at login

    def has_totp(self, actor: Actor) -> bool:
        return self._secret(actor.id) is not None

    def _secret(self, user_id: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(User.totp_secret).where(User.id == user_id))

    def use_code(self, actor: Actor, code: str) -> bool:
        """Whether ``code`` is the user's current one; a code is accepted once, so a replay
        within its window is refused."""
        secret = self._secret(actor.id)
        step = self._matching_step(secret, code) if secret else None
        if step is None:
            return False
        with self.sessions.begin() as session:
            used = session.execute(
                update(User)
                .where(User.id == actor.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step)
            )
            return used.rowcount == 1

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

    # ------------------------------------------------------------------ enrolment in the browser

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

    # ------------------------------------------------------------------ enrolment over the API

    def issue_enrolment_token(self, actor: Actor, client: str = "") -> IssuedToken:
        """A short-lived token (10 min) good only for enrolling a second factor: handed out
        instead of an API token when the password was right but the role must enrol first."""
        now = self.clock()
        token_id = secrets.token_urlsafe(32)
        expires_at = now + ENROLMENT_LIFETIME
        with self.sessions.begin() as session:
            session.add(
                TotpEnrolment(id=token_id, user_id=actor.id, epoch=credentials_epoch(session, actor.id), expires_at=expires_at)
            )
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
        return row, actor_of(session, user)

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
