"""Store fixtures: every integration test runs against SQLite and PostgreSQL.

PostgreSQL runs on 127.0.0.1:5432 (trust auth, database ``test``); each test gets a
fresh schema that is dropped afterwards. ``TEST_POSTGRES_URL`` overrides the server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from service.bootstrap import Container, bootstrap
from service.config import Settings

# tests only: cheap hashing, and no mandatory second factor unless a test turns it on
FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "mfa_required_roles": ()}
FAST_HASHING_ENV = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "MFA_REQUIRED_ROLES": ""}
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
STORES = ("sqlite", "postgres")


@dataclass
class Store:
    """One database for a test: its settings and the environment a subprocess needs."""

    kind: str
    settings: Settings
    env: dict[str, str]


def _drop_schema(schema: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh database of each kind (``indirect`` parametrisation may pick one)."""
    blobs = tmp_path / "blobs"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
        settings = Settings(database_url=url, secret_key="test-secret", blob_dir=blobs, **FAST_HASHING)
        env = {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "BLOB_DIR": str(blobs), **FAST_HASHING_ENV}
        yield Store("sqlite", settings, env)
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    settings = Settings(
        database_url=POSTGRES_URL, secret_key="test-secret", blob_dir=blobs, database_schema=schema, **FAST_HASHING
    )
    env = {
        "DATABASE_URL": POSTGRES_URL,
        "DATABASE_SCHEMA": schema,
        "SECRET_KEY": "test-secret",
        "BLOB_DIR": str(blobs),
        **FAST_HASHING_ENV,
    }
    try:
        yield Store("postgres", settings, env)
    finally:
        _drop_schema(schema)


@pytest.fixture
def container(store: Store) -> Iterator[Container]:
    container = bootstrap(store.settings)
    container.init()
    try:
        yield container
    finally:
        container.close()
