"""A throw-away database per run and store: a temporary SQLite file, or a fresh
PostgreSQL schema dropped at the end (as tests/conftest.py does)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from service.bootstrap import Container, bootstrap
from service.config import Settings

DEFAULT_POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "bench"
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}


@dataclass
class BenchStore:
    kind: str  # sqlite | postgres
    settings: Settings
    workdir: Path  # temporary files of this run (SQLite files, blobs, logs)
    postgres_url: str | None = None
    totp_secret: str | None = None  # of the bench reviewer, once enrolled

    def container(self, *, project_synchronously: bool = False) -> Container:
        container = bootstrap(replace(self.settings, project_synchronously=project_synchronously))
        container.init()
        return container

    def env(self) -> dict[str, str]:
        """The environment a separate process (gunicorn) needs for the same database."""
        s = self.settings
        env = {
            "DATABASE_URL": s.database_url,
            "SECRET_KEY": s.secret_key,
            "BLOB_DIR": str(s.blob_dir),
            "AGGREGATE_CACHE_MAXSIZE": str(s.aggregate_cache_size),
            "ARGON2_TIME_COST": str(s.argon2_time_cost),
            "ARGON2_MEMORY_KIB": str(s.argon2_memory_kib),
            "PROJECT_SYNCHRONOUSLY": "1",
        }
        if s.database_schema:
            env["DATABASE_SCHEMA"] = s.database_schema
        return env

    def settings_json(self) -> dict[str, object]:
        s = self.settings
        return {
            "database_url": s.database_url,
            "database_schema": s.database_schema,
            "secret_key": s.secret_key,
            "blob_dir": str(s.blob_dir),
            "aggregate_cache_size": s.aggregate_cache_size,
            **FAST_HASHING,
        }

    def bare_env(self) -> dict[str, str]:
        """eventsourcing environment for the bare substrate application on the same store kind
        (SQLite: a sibling file in the same directory; PostgreSQL: the same schema, its own table),
        with the library's own recorders, not the service's one-trip PostgreSQL recorder."""
        from service.storage import eventsourcing_env

        env = dict(eventsourcing_env(self.settings))
        env["CREATE_TABLE"] = "yes"
        env.pop("APPLICATION_RECORDER_TOPIC", None)  # the library's own recorder, as shipped
        if self.kind == "sqlite":
            env["SQLITE_DBNAME"] = str(self.workdir / "bare.db")
        return env

    def postgres_version(self) -> str | None:
        if self.kind != "postgres":
            return None
        import psycopg

        with psycopg.connect(self.postgres_url, autocommit=True) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]

    def drop(self) -> None:
        try:
            if self.kind == "postgres" and self.settings.database_schema:
                import psycopg

                with psycopg.connect(self.postgres_url, autocommit=True) as connection:
                    connection.execute(f'DROP SCHEMA IF EXISTS "{self.settings.database_schema}" CASCADE')
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def make_store(kind: str, *, cache_size: int, postgres_url: str = DEFAULT_POSTGRES_URL) -> BenchStore:
    workdir = Path(tempfile.mkdtemp(prefix=f"fisc-bench-{kind}-"))
    common = dict(secret_key=SECRET, blob_dir=workdir / "blobs", aggregate_cache_size=cache_size, project_synchronously=False)
    if kind == "sqlite":
        settings = Settings(database_url=f"sqlite:///{workdir / 'app.db'}", **common, **FAST_HASHING)
        return BenchStore(kind, settings, workdir)
    if kind == "postgres":
        import psycopg

        try:
            with psycopg.connect(postgres_url, autocommit=True, connect_timeout=5) as connection:
                connection.execute("SELECT 1")
        except Exception:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        settings = Settings(database_url=postgres_url, database_schema=schema, **common, **FAST_HASHING)
        return BenchStore(kind, settings, workdir, postgres_url)
    raise ValueError(f"unknown store {kind!r} (sqlite or postgres)")
