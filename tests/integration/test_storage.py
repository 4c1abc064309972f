"""Pooled PostgreSQL connections: checked only after lying idle, replaced when found dead."""

from __future__ import annotations

import psycopg
import pytest

from service import storage
from tests.conftest import POSTGRES_URL


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_connection_given_back_moments_ago_is_used_without_a_ping(container, monkeypatch):
    dialect = container.engine.dialect
    pings = []
    ping = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection))
    for _ in range(3):
        backend_pid(container.engine)
    assert pings == []
    monkeypatch.setattr(storage, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection has now lain idle long enough
    backend_pid(container.engine)
    assert len(pings) == 1


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_connection_that_died_while_idle_is_replaced_unseen(container, monkeypatch):
    engine = container.engine
    engine.dispose()  # one pooled connection, so the next checkout is the one that dies
    dead = backend_pid(engine)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:  # as a server restart or a firewall would
        admin.execute("SELECT pg_terminate_backend(%s)", (dead,))
    monkeypatch.setattr(storage, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert backend_pid(engine) != dead
