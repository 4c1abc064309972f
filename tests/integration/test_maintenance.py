"""Outgrowing the embedded store: migrate SQLite → PostgreSQL; and backup / restore."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import psycopg
import pytest

from service.bootstrap import bootstrap
from service.demo import USERS as DEMO_USERS, load_demo
from tests.conftest import POSTGRES_URL, _drop_schema
from tests.integration.test_cli import cli
from tests.integration.conftest import snapshot


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_migrate_sqlite_to_postgresql_keeps_everything(container, store):
    load_demo(container)
    reviewer = container.accounts.authenticate("reviewer@aoba-bank.example", "demo-password-2026")
    draft = next(r for r in container.views.board(reviewer) if r["state"] == "draft")
    staff = next(
        container.accounts.actor(u.id) for u in container.accounts.users() if u.org_id == draft["connector_id"] and u.role == "connector"
    )
    number = next(item.number for item in container.editions.current().items if item.party.value == "connector")
    for k in range(101 - draft["version"]):  # one engagement past its first snapshot (at 100 events)
        container.review.save_answer(staff, draft["engagement_id"], number, status="partial", current_state=f"移行前の回答{k}")
    before = {row["engagement_id"]: row["version"] for row in container.views.board(reviewer)}
    schema = f"t_{uuid.uuid4().hex[:16]}"
    try:
        env = {**os.environ, **store.env}
        result = subprocess.run(
            [sys.executable, "-m", "service", "migrate", "--to", POSTGRES_URL, "--schema", schema],
            capture_output=True, text=True, env=env, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["audit_chain_intact"] and report["same_positions"]
        assert report["events"] == container.store.recorder.max_notification_id()
        assert report["rows"]["users"] == len(DEMO_USERS)
        assert report["snapshots"] == 1
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:  # planner statistics of the bulk-filled tables
            analyzed = dict(connection.execute("SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE schemaname = %s", (schema,)).fetchall())
            kept = connection.execute("SELECT count(*) FROM pg_stats WHERE schemaname = %s AND tablename = 'reviews_events'", (schema,)).fetchone()[0]
        assert analyzed["reviews_events"] and analyzed["rm_timeline"] and analyzed["users"] and all(analyzed.values())
        assert kept > 0  # the statistics were committed, not only computed
        again = subprocess.run([sys.executable, "-m", "service", "migrate", "--to", POSTGRES_URL, "--schema", schema], capture_output=True, text=True, env=env)
        assert again.returncode == 2 and "already holds events" in again.stderr
        quoted = subprocess.run([sys.executable, "-m", "service", "migrate", "--to", POSTGRES_URL, "--schema", "Tenant_A"], capture_output=True, text=True, env=env)
        assert quoted.returncode == 2 and "--schema は引用符なしの PostgreSQL の名前" in quoted.stderr and "Traceback" not in quoted.stderr
        from service.config import Settings

        target = bootstrap(Settings(**{**store.settings.__dict__, "database_url": POSTGRES_URL, "database_schema": schema}))
        try:
            moved = target.accounts.authenticate("reviewer@aoba-bank.example", "demo-password-2026")
            assert {row["engagement_id"]: row["version"] for row in target.views.board(moved)} == before
            def timeline(of) -> list[tuple]:  # the stores print UTC times differently
                return [tuple(value.replace("+00:00", "") for value in row) for row in snapshot(of)["rm_timeline"]]

            assert timeline(target) == timeline(container)
            assert [s.originator_version for s in target.store.snapshots.get(uuid.UUID(draft["engagement_id"]))] == [100]
            # the copied tables keep numbering after their copied rows (a login writes to several of them)
            assert target.accounts.authenticate("reviewer@aoba-bank.example", "wrong password") is None
            target.security_log.record("after_migrate", "success", actor=moved)
            assert target.security_log.events(moved.org_id, per_page=1)[0][0].kind == "after_migrate"
        finally:
            target.close()
    finally:
        _drop_schema(schema)


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_an_interrupted_copy_leaves_no_events_and_can_be_run_again(container, store):
    from dataclasses import replace

    from service.domain.errors import Invalid
    from service.maintenance import copy_store, migrate

    load_demo(container)
    total = container.store.recorder.max_notification_id()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    target = bootstrap(replace(store.settings, database_url=POSTGRES_URL, database_schema=schema))
    try:
        def fail_midway(count: int) -> None:
            raise Interrupted  # after the first page of events, inside the copy

        with pytest.raises(Interrupted):
            copy_store(container, target, progress=fail_midway)
        assert not target.store.recorder.max_notification_id()
        report = migrate(container, target)
        assert report.events == total and report.chain_intact and report.same_positions
        reviewer = target.accounts.authenticate("reviewer@aoba-bank.example", "demo-password-2026")
        engagement_id = next(r["engagement_id"] for r in target.views.board(reviewer) if r["state"] != "withdrawn")
        target.engagements.withdraw(reviewer, engagement_id, "移行後の変更")
        assert target.store.recorder.max_notification_id() == total + 1  # numbered after the copied events
        with pytest.raises(Invalid):
            copy_store(container, container)  # the target must be PostgreSQL
    finally:
        target.close()
        _drop_schema(schema)


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_backup_and_restore(container, store, tmp_path):
    load_demo(container)
    reviewer = container.accounts.authenticate("reviewer@aoba-bank.example", "demo-password-2026")
    engagement_id = next(r["engagement_id"] for r in container.views.board(reviewer) if r["state"] != "withdrawn")
    version = container.store.engagement(reviewer, engagement_id).version
    assert cli(store, "backup", "--to", str(tmp_path / "backup")).returncode == 0
    assert cli(store, "backup", "--to", str(tmp_path / "backup")).returncode == 2  # never over a backup
    container.engagements.withdraw(reviewer, engagement_id, "バックアップ後の変更")
    container.close()
    restored = cli(store, "restore", "--from", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    fresh = bootstrap(store.settings)
    try:
        assert fresh.store.engagement(reviewer, engagement_id).version == version
        assert cli(store, "audit", "verify").returncode == 0
    finally:
        fresh.close()
