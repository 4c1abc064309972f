"""Organisations and users (SQL tables; passwords hashed with argon2id)."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .domain.actors import Actor
from .security_log import SecurityLog
from .domain.codes import OrgKind, Role
from .domain.errors import DuplicateEmail, Invalid, NotFound, OrgNotFound
from .storage import Base

MIN_PASSWORD = 12
MAX_PASSWORD = 128
ROLE_ORG_KINDS = {
    Role.REVIEWER: {OrgKind.BANK},
    Role.AUDITOR: {OrgKind.BANK},
    Role.CONNECTOR: {OrgKind.CONNECTOR},
    Role.LIAISON: {OrgKind.FISC},
    Role.ADMIN: set(OrgKind),
}


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Org(Base):
    __tablename__ = "orgs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def as_ref(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    credentials_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Accounts:
    """Use cases on organisations and users."""

    def __init__(
        self, sessions: sessionmaker[Session], hasher: PasswordHasher | None = None, security_log: SecurityLog | None = None
    ) -> None:
        self.sessions = sessions
        self.hasher = hasher or PasswordHasher()
        self.security_log = security_log or SecurityLog(sessions)

    def add_org(self, name: str, kind: str, *, by: Actor | None = None) -> str:
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise Invalid("name must be 1 to 200 characters", field="name")
        try:
            org_kind = OrgKind(kind)
        except ValueError:
            raise Invalid("kind must be bank, connector or fisc", field="kind") from None
        with self.sessions.begin() as session:
            if session.scalar(select(Org.id).where(Org.name == name)):
                raise Invalid(f"an organisation named {name!r} already exists", field="name")
            org = Org(name=name, kind=org_kind.value)
            session.add(org)
            session.flush()
            org_id = org.id
        self.security_log.record("org_added", "success", actor=by, org_added=org_id, name=name, org_kind=org_kind.value)
        return org_id

    def add_user(self, *, email: str, name: str, org_id: str, role: str, password: str, by: Actor | None = None) -> str:
        email = normalise_email(email)
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise Invalid("name must be 1 to 200 characters", field="name")
        try:
            user_role = Role(role)
        except ValueError:
            user_role = None
        if user_role not in Role.assignable():
            raise Invalid(f"role must be one of {', '.join(r.value for r in Role.assignable())}", field="role")
        check_password(password)
        with self.sessions.begin() as session:
            org = session.get(Org, org_id)
            if org is None:
                raise OrgNotFound(f"organisation {org_id} does not exist")
            if OrgKind(org.kind) not in ROLE_ORG_KINDS[user_role]:
                raise Invalid(f"role {user_role.value} does not belong to a {org.kind} organisation", field="role")
            if session.scalar(select(User.id).where(func.lower(User.email) == email)):
                raise DuplicateEmail(f"a user with e-mail {email} already exists")
            user = User(email=email, name=name, org_id=org.id, role=user_role.value, password_hash=self.hasher.hash(password))
            session.add(user)
            try:
                session.flush()
            except IntegrityError:
                raise DuplicateEmail(f"a user with e-mail {email} already exists") from None
            user_id = user.id
        self.security_log.record("user_added", "success", actor=by, user=user_id, email=email, role=user_role.value, org=org_id)
        return user_id

    def authenticate(self, email: str, password: str) -> Actor | None:
        """The actor for valid credentials of an active user, else ``None``."""
        with self.sessions() as session:
            user = session.scalar(select(User).where(func.lower(User.email) == normalise_email(email, strict=False)))
            if user is None or not user.active:
                self._burn_time(password)
                return None
            try:
                self.hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            return self.actor_of(session, user)

    def _burn_time(self, password: str) -> None:
        """Spend one hash on unknown accounts so timing does not reveal which e-mails exist."""
        self.hasher.hash(password or "-")

    def actor(self, user_id: str) -> Actor | None:
        with self.sessions() as session:
            user = session.get(User, user_id)
            if user is None or not user.active:
                return None
            return self.actor_of(session, user)

    @staticmethod
    def actor_of(session: Session, user: User) -> Actor:
        """The user as an actor, with the organisation name as it is now."""
        org = session.get(Org, user.org_id)
        return Actor(id=user.id, name=user.name, org_id=org.id, org_name=org.name, role=Role(user.role))

    def users(self) -> list[User]:
        with self.sessions() as session:
            users = list(session.scalars(select(User).order_by(User.org_id, User.name)))
            for user in users:
                session.expunge(user)
            return users

    def set_active(self, user_id: str, active: bool, *, by: Actor | None = None) -> None:
        """Enable or disable a user; disabling ends every session and token at once."""
        with self.sessions.begin() as session:
            user = session.get(User, user_id) if isinstance(user_id, str) else None
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.active = active
            if not active:
                user.credentials_epoch = (user.credentials_epoch or 0) + 1
        self.security_log.record("user_enabled" if active else "user_disabled", "success", actor=by, user=user_id)

    def set_password(self, user_id: str, password: str) -> None:
        check_password(password)
        with self.sessions.begin() as session:
            session.get(User, user_id).password_hash = self.hasher.hash(password)

    def email_of(self, user_id: str) -> str:
        with self.sessions() as session:
            return session.scalar(select(User.email).where(User.id == user_id)) or ""

    def org(self, org_id: str) -> Org:
        with self.sessions() as session:
            org = session.get(Org, org_id) if isinstance(org_id, str) else None
            if org is None:
                raise OrgNotFound(f"organisation {org_id} does not exist")
            session.expunge(org)
            return org

    def orgs(self) -> list[Org]:
        with self.sessions() as session:
            orgs = list(session.scalars(select(Org).order_by(Org.name)))
            for org in orgs:
                session.expunge(org)
            return orgs


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most used passwords (bundled with zxcvbn), loaded when first needed."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # ~13 MB: only processes that set passwords pay for it

    return frozenset(FREQUENCY_LISTS["passwords"])


def normalise_email(email: str, *, strict: bool = True) -> str:
    """Lower-cased address; strictly checked when stored (it reaches mail headers)."""
    email = (email or "").strip().lower()
    if strict and (
        len(email) > 254
        or email.count("@") != 1
        or email.startswith("@")
        or email.endswith("@")
        or any(ord(ch) <= 32 or ord(ch) == 127 for ch in email)
    ):
        raise Invalid("e-mail address is not valid", field="email")
    return email


def check_password(password: str) -> None:
    """12 to 128 characters (all of them count: argon2 does not truncate), not a common one."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password")
    if password.lower() in common_passwords():
        raise Invalid("this password is on the list of commonly used passwords", field="password")
