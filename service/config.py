"""Settings from the environment (shared/contract.md, "Configuration")."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .logs import LOG_FORMATS

DEFAULT_DATABASE_URL = "sqlite:///var/app.db"


# used unquoted in search_path, quoted elsewhere: only names that read the same both ways
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class ConfigError(Exception):
    """A setting is present but unusable."""


def checked_schema(schema: str | None, name: str) -> str | None:
    """A PostgreSQL schema name that needs no quotes, or None."""
    if schema is not None and not SCHEMA_NAME.fullmatch(schema):
        raise ConfigError(
            f"{name} は引用符なしの PostgreSQL の名前（英小文字・数字・アンダースコア、先頭は数字以外、"
            f"63文字まで）で指定してください（指定値: {schema!r}）。"
        )
    return schema


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    blob_dir: Path = Path("var/blobs")
    smtp_url: str | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))
    database_schema: str | None = None  # PostgreSQL only: isolates test runs and tenants
    aggregate_cache_size: int = 100  # a reviewed engagement takes ~120 KB in memory: bounds each process's RSS (page views need no aggregate once their body is kept)
    project_synchronously: bool = True  # read-your-writes in the process that wrote
    base_url: str = "http://127.0.0.1:8000"  # where e-mails link to
    reminder_business_days: int = 3  # a reminder after N business days, an escalation after 2N
    secure_cookies: bool = False  # set SECURE_COOKIES=1 when served over https
    mfa_required_roles: tuple[str, ...] = ("reviewer", "liaison", "admin")
    login_rate_limit: str = "30 per minute"  # per client address, on top of the per-account lockout
    metrics_token: str | None = None  # /metrics answers the local host, or a bearer of this token
    page_cache_mb: int = 16  # rendered review-page bodies kept per web process (0: render every time)
    argon2_time_cost: int = 3  # argon2id RFC 9106 "second recommended" profile
    argon2_memory_kib: int = 65536
    log_format: str = "auto"  # json | console | auto (console on a terminal, JSON lines otherwise)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(f"DATABASE_URL は sqlite:///パス または postgresql://… の形で指定してください（指定値: {database_url!r}）。")
        timezone_name = env.get("APP_TIMEZONE") or "Asia/Tokyo"
        try:
            timezone = ZoneInfo(timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"APP_TIMEZONE のタイムゾーン {timezone_name!r} はありません（例: Asia/Tokyo）。") from None
        schema = checked_schema(env.get("DATABASE_SCHEMA") or None, "DATABASE_SCHEMA")
        log_format = (env.get("LOG_FORMAT") or "auto").lower()
        if log_format not in LOG_FORMATS:
            raise ConfigError(f"LOG_FORMAT は {'、'.join(LOG_FORMATS)} のいずれかで指定してください（指定値: {log_format!r}）。")
        return cls(
            database_url=database_url,
            secret_key=env.get("SECRET_KEY") or load_or_create_secret(Path("var/secret_key")),
            blob_dir=Path(env.get("BLOB_DIR") or "var/blobs"),
            smtp_url=env.get("SMTP_URL") or None,
            timezone=timezone,
            database_schema=schema,
            aggregate_cache_size=int(env.get("AGGREGATE_CACHE_MAXSIZE") or cls.aggregate_cache_size),
            project_synchronously=(env.get("PROJECT_SYNCHRONOUSLY") or "1").lower() not in ("0", "false", "no"),
            base_url=env.get("APP_BASE_URL") or "http://127.0.0.1:8000",
            reminder_business_days=int(env.get("REMINDER_BUSINESS_DAYS") or 3),
            secure_cookies=(env.get("SECURE_COOKIES") or "0").lower() in ("1", "true", "yes"),
            mfa_required_roles=tuple(
                role.strip() for role in env.get("MFA_REQUIRED_ROLES", "reviewer,liaison,admin").split(",") if role.strip()
            ),
            login_rate_limit=env.get("LOGIN_RATE_LIMIT") or "30 per minute",
            metrics_token=env.get("METRICS_TOKEN") or None,
            page_cache_mb=int(env.get("PAGE_CACHE_MB") or 16),
            argon2_time_cost=int(env.get("ARGON2_TIME_COST") or 3),
            argon2_memory_kib=int(env.get("ARGON2_MEMORY_KIB") or 65536),
            log_format=log_format,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:///")


def load_or_create_secret(path: Path) -> str:
    """The signing key generated once into ``var/secret_key`` (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
