"""Organisations and users (SQL tables; passwords hashed with argon2id)."""

from __future__ import annotations

import functools
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .domain.actors import Actor
from .security_log import SecurityLog
from .domain.codes import OrgKind, Role
from .domain.errors import DuplicateEmail, DuplicateOrgName, Invalid, LastAdmin, OrgNotFound, RoleNotAllowed, UserNotFound
from .domain.text import fold, one_line, parse_code
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


@dataclass(frozen=True)
class AdminScope:
    """The organisations an admin manages: its own (``org_id``), or every one (``None``)."""

    org_id: str | None

    def covers(self, org_id: str) -> bool:
        return self.org_id is None or self.org_id == org_id


EVERY_ORG = AdminScope(None)


def admin_scope(by: Actor | None, org_kind: str | None) -> AdminScope:
    """Who may manage whom, answered once (web, API and CLI ask here): the command line (run by
    the operator on the host) and the admins of an ``operator`` organisation manage every
    organisation; any other admin only its own; nobody else any."""
    if by is None:
        return EVERY_ORG
    if by.role is not Role.ADMIN:
        raise RoleNotAllowed("管理者だけが組織と利用者を管理できます。")
    return EVERY_ORG if org_kind == OrgKind.OPERATOR.value else AdminScope(by.org_id)


def actor_of(session: Session, user: User) -> Actor:
    """The user as an actor, with the organisation name as it is now."""
    org = session.get(Org, user.org_id)
    return Actor(id=user.id, name=user.name, org_id=org.id, org_name=org.name, role=Role(user.role))


class Accounts:
    """Use cases on organisations and users."""

    def __init__(
        self, sessions: sessionmaker[Session], hasher: PasswordHasher | None = None, security_log: SecurityLog | None = None
    ) -> None:
        self.sessions = sessions
        self.hasher = hasher or PasswordHasher()
        self.security_log = security_log or SecurityLog(sessions)

    # ------------------------------------------------------------------ who manages whom

    def _scope(self, session: Session, by: Actor | None) -> AdminScope:
        org_kind = session.scalar(select(Org.kind).where(Org.id == by.org_id)) if by is not None else None
        return admin_scope(by, org_kind)

    def manages_every_org(self, actor: Actor) -> bool:
        """An admin of the operator: the one who adds organisations and reads every
        organisation's security events."""
        if actor.role is not Role.ADMIN:
            return False
        with self.sessions() as session:
            return self._scope(session, actor) == EVERY_ORG

    # ------------------------------------------------------------------ organisations

    def add_org(self, name: str, kind: str, *, by: Actor | None = None) -> str:
        """A new organisation (only the operator's admins or the command line may add one)."""
        name = one_line(name, "name", "組織名", required=True, limit=200).strip()
        org_kind = parse_code(OrgKind, kind, "kind")
        with self.sessions.begin() as session:
            if self._scope(session, by) != EVERY_ORG:
                raise RoleNotAllowed("組織を登録できるのは運営者の管理者だけです。")
            if any(fold(existing) == fold(name) for existing in session.scalars(select(Org.name))):
                raise DuplicateOrgName(f"組織「{name}」は既に登録されています。", field="name")
            org = Org(name=name, kind=org_kind.value)
            session.add(org)
            session.flush()
            org_id = org.id
        self.security_log.record(
            "org_added", "success", actor=by, org_id=org_id, org_added=org_id, name=name, org_kind=org_kind.value
        )
        return org_id

    def org(self, org_id: str) -> Org:
        with self.sessions() as session:
            org = session.get(Org, org_id) if isinstance(org_id, str) else None
            if org is None:
                raise OrgNotFound("指定された組織はありません。")
            session.expunge(org)
            return org

    def orgs(self) -> list[Org]:
        with self.sessions() as session:
            orgs = list(session.scalars(select(Org).order_by(Org.name)))
            for org in orgs:
                session.expunge(org)
            return orgs

    def managed_orgs(self, by: Actor | None) -> list[Org]:
        """The organisations ``by`` manages (its own, or every one for the operator's admins)."""
        with self.sessions() as session:
            scope = self._scope(session, by)
        return [org for org in self.orgs() if scope.covers(org.id)]

    # ------------------------------------------------------------------ users

    def add_user(self, *, email: str, name: str, org_id: str, role: str, password: str, by: Actor | None = None) -> str:
        email = normalise_email(email)
        name = one_line(name, "name", "氏名", required=True, limit=200).strip()
        user_role = next((r for r in Role.assignable() if r.value == role), None)
        if user_role is None:
            accepted = "、".join(r.value for r in Role.assignable())
            raise Invalid(f"役割の値が正しくありません（指定できる値: {accepted}）。", field="role")
        check_password(password)
        with self.sessions.begin() as session:
            org = session.get(Org, org_id) if isinstance(org_id, str) else None
            if org is None or not self._scope(session, by).covers(org.id):
                raise OrgNotFound("指定された組織はありません。", field="org_id")
            if OrgKind(org.kind) not in ROLE_ORG_KINDS[user_role]:
                raise Invalid(f"{OrgKind(org.kind).label}の組織には「{user_role.label}」の利用者を登録できません。", field="role")
            if self._user_by_email(session, email) is not None:
                raise DuplicateEmail("このメールアドレスは既に登録されています。", field="email")
            user = User(email=email, name=name, org_id=org.id, role=user_role.value, password_hash=self.hasher.hash(password))
            session.add(user)
            try:
                session.flush()
            except IntegrityError:
                raise DuplicateEmail("このメールアドレスは既に登録されています。", field="email") from None
            user_id = user.id
        self.security_log.record(
            "user_added", "success", actor=by, org_id=org_id, user=user_id, email=email, role=user_role.value, org=org_id
        )
        return user_id

    @staticmethod
    def _user_by_email(session: Session, key: str) -> User | None:
        """The user with this address compared folded (NFKC, case-folded); addresses stored before
        they were folded at creation (full-width, say) are found by folding each stored one."""
        user = session.scalar(select(User).where(func.lower(User.email) == key))
        if user is not None:
            return user
        for user_id, stored in session.execute(select(User.id, User.email)):
            if fold(stored.strip()) == key:
                return session.get(User, user_id)
        return None

    def authenticate(self, email: str, password: str) -> Actor | None:
        """The actor for valid credentials of an active user, else ``None``. An unknown or
        disabled account verifies a dummy hash of the same parameters, so the answer takes as
        long as for a wrong password and timing does not reveal which addresses exist."""
        with self.sessions() as session:
            user = self._user_by_email(session, normalise_email(email, strict=False))
            if user is None or not user.active:
                self._verify(self._dummy_hash, password)
                return None
            if not self._verify(user.password_hash, password):
                return None
            return actor_of(session, user)

    @functools.cached_property
    def _dummy_hash(self) -> str:
        return self.hasher.hash(secrets.token_urlsafe(16))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False

    def account_of(self, email: str) -> tuple[str, str] | None:
        """``(user id, org id)`` of the account this address names, if any (for the security log)."""
        with self.sessions() as session:
            user = self._user_by_email(session, normalise_email(email, strict=False))
            return (user.id, user.org_id) if user is not None else None

    def user_id_for(self, email: str) -> str:
        """The id of the user with this address (the command line names users by address)."""
        found = self.account_of(email)
        if found is None:
            raise UserNotFound("指定されたメールアドレスの利用者はいません。", field="email")
        return found[0]

    def actor(self, user_id: str) -> Actor | None:
        with self.sessions() as session:
            user = session.get(User, user_id)
            if user is None or not user.active:
                return None
            return actor_of(session, user)

    def users(self, by: Actor | None = None) -> list[User]:
        """The users ``by`` manages (every user for the command line and the operator's admins)."""
        with self.sessions() as session:
            scope = self._scope(session, by)
            query = select(User).order_by(User.org_id, User.name)
            if scope.org_id is not None:
                query = query.where(User.org_id == scope.org_id)
            users = list(session.scalars(query))
            for user in users:
                session.expunge(user)
            return users

    def managed_user(self, user_id: str, by: Actor | None) -> User:
        """One user ``by`` manages; another organisation's user is as missing as an unknown one."""
        with self.sessions() as session:
            user = self._managed(session, user_id, by)
            session.expunge(user)
            return user

    def _managed(self, session: Session, user_id: str, by: Actor | None) -> User:
        user = session.get(User, user_id) if isinstance(user_id, str) else None
        if user is None or not self._scope(session, by).covers(user.org_id):
            raise UserNotFound("指定された利用者はありません。")
        return user

    def set_active(self, user_id: str, active: bool, *, by: Actor | None = None) -> None:
        """Enable or disable a user; disabling ends every session and token at once."""
        with self.sessions.begin() as session:
            user = self._managed(session, user_id, by)
            if not active and user.active:
                self._require_not_last_admin(session, user, by)
            user.active = active
            if not active:
                user.credentials_epoch = (user.credentials_epoch or 0) + 1
            org_id = user.org_id
        self.security_log.record(
            "user_enabled" if active else "user_disabled", "success", actor=by, org_id=org_id, user=user_id
        )

    @staticmethod
    def _require_not_last_admin(session: Session, user: User, by: Actor | None) -> None:
        """An admin disables neither itself nor its organisation's last active admin (the command
        line may: it is how the operator recovers). The organisation's row is locked first, so two
        admins disabling each other at once cannot both succeed."""
        if by is None:
            return
        if user.id == by.id:
            raise LastAdmin("自分自身は無効にできません。")
        if user.role != Role.ADMIN.value:
            return
        session.execute(select(Org.id).where(Org.id == user.org_id).with_for_update())
        others = session.scalar(
            select(func.count()).select_from(User).where(
                User.org_id == user.org_id, User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id
            )
        )
        if not others:
            raise LastAdmin("組織で最後の有効な管理者は無効にできません。")

    def set_password(self, user_id: str, password: str) -> None:
        check_password(password)
        with self.sessions.begin() as session:
            session.get(User, user_id).password_hash = self.hasher.hash(password)

    def email_of(self, user_id: str) -> str:
        with self.sessions() as session:
            return session.scalar(select(User.email).where(User.id == user_id)) or ""


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most used passwords (bundled with zxcvbn), loaded when first needed."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # ~13 MB: only processes that set passwords pay for it

    return frozenset(FREQUENCY_LISTS["passwords"])


def normalise_email(email: str, *, strict: bool = True) -> str:
    """The address as it is stored and compared: NFKC and case-folded, so the full-width
    「ＴＡＮＡＫＡ@…」 is ``tanaka@…``; strictly checked when stored (it reaches mail headers)."""
    if not strict:
        return fold((email or "") if isinstance(email, str) else "").strip()
    email = fold(one_line(email, "email", required=True, limit=254)).strip()
    local, at, domain = email.partition("@")
    if not local or not at or not domain or "@" in domain or len(email) > 254 or any(ch.isspace() for ch in email):
        raise Invalid("メールアドレスの形式が正しくありません（例: tanaka@bank.example）。", field="email")
    return email


def check_password(password: str) -> None:
    """12 to 128 characters (all of them count: argon2 does not truncate), not a common one."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(f"パスワードは{MIN_PASSWORD}文字以上{MAX_PASSWORD}文字以内で入力してください。", field="password")
    if password.lower() in common_passwords():
        raise Invalid("このパスワードはよく使われているため使用できません。別のパスワードを入力してください。", field="password")
