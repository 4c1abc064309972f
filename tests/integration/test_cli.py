"""The contract's CLI, driven as a subprocess against each store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from sqlalchemy import text

from service.bootstrap import bootstrap


def cli(store, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, **store.env}
    return subprocess.run(
        [sys.executable, "-m", "service", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def assert_bad_input(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_init_org_user_and_catalogue_export(store):
    assert cli(store, "init").returncode == 0
    assert cli(store, "init").returncode == 0  # idempotent

    added = cli(store, "org", "add", "--name", "東西銀行", "--kind", "bank")
    assert added.returncode == 0
    bank_id = added.stdout.strip()
    assert str(uuid.UUID(bank_id)) == bank_id and added.stdout == bank_id + "\n"

    user = cli(store, "user", "add", "--email", "R@Bank.example", "--name", "審査 太郎", "--org", bank_id, "--role", "reviewer", stdin="a long enough secret\n")
    assert user.returncode == 0, user.stderr
    container = bootstrap(store.settings)
    try:
        actor = container.accounts.authenticate("r@bank.example", "a long enough secret")
        assert actor is not None and actor.org_id == bank_id and actor.role.value == "reviewer"
        assert container.accounts.authenticate("r@bank.example", "wrong password!!") is None
    finally:
        container.close()

    assert_bad_input(cli(store, "user", "add", "--email", "x@bank.example", "--name", "X", "--org", bank_id, "--role", "reviewer", stdin="short\n"), "12")
    assert_bad_input(cli(store, "user", "add", "--email", "c@bank.example", "--name", "C", "--org", bank_id, "--role", "connector", stdin="a long enough secret\n"), "API接続先担当")
    assert_bad_input(cli(store, "user", "add", "--email", "r@bank.example", "--name", "R", "--org", bank_id, "--role", "auditor", stdin="a long enough secret\n"), "既に登録")
    assert_bad_input(cli(store, "user", "add", "--email", "z@bank.example", "--name", "Z", "--org", str(uuid.uuid4()), "--role", "auditor", stdin="a long enough secret\n"), "組織はありません")
    assert_bad_input(cli(store, "user", "add", "--email", "z@bank.example", "--name", "Z", "--org", bank_id, "--role", "system", stdin="a long enough secret\n"), "invalid choice")
    assert_bad_input(cli(store, "org", "add", "--name", "X", "--kind", "insurer"), "invalid choice")
    assert_bad_input(cli(store, "org", "add", "--name", "東西銀行", "--kind", "bank"), "既に登録")
    assert_bad_input(cli(store, "frobnicate"), "invalid choice")

    exported = cli(store, "catalogue", "export")
    assert exported.returncode == 0
    document = json.loads(exported.stdout)
    assert document["edition"] == "2019.03" and len(document["items"]) == 44
    assert set(document["items"][0]) >= {"number", "chapter", "category", "party", "objective", "explanation", "methods", "notes", "references"}
    assert json.loads(cli(store, "catalogue", "export", "--edition", "2019.03").stdout) == document
    assert_bad_input(cli(store, "catalogue", "export", "--edition", "1999"), "登録されていません")


@pytest.mark.slow
def test_demo_projections_and_audit_verify(store):
    demo = cli(store, "demo")
    assert demo.returncode == 0, demo.stderr
    assert "reviewer@aoba-bank.example" in demo.stdout and "demo-password-2026" in demo.stdout
    assert "user_added" not in demo.stderr  # the demo's sign-ups are kept off the terminal …
    assert cli(store, "demo").stdout == demo.stdout  # a rerun changes nothing and prints the same logins

    container = bootstrap(store.settings)
    try:
        reviewer = container.accounts.authenticate("reviewer@aoba-bank.example", "demo-password-2026")
        assert any(event.kind == "user_added" for event in container.security_log.events(None)[0])  # … not out of the security log
        states = {row["state"] for row in container.views.board(reviewer)}
        assert states == {"draft", "submitted", "under_review", "decided", "monitoring", "withdrawn"}
        events = container.store.recorder.max_notification_id()
    finally:
        container.close()

    rebuilt = cli(store, "projections", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "timeline" in rebuilt.stderr and str(events) in rebuilt.stderr  # the progress bars
    assert cli(store, "projections", "rebuild", "board").returncode == 0
    assert_bad_input(cli(store, "projections", "rebuild", "nope"), "読み取りモデル 'nope' はありません")

    verified = cli(store, "audit", "verify")
    assert verified.returncode == 0 and f"{events} events" in verified.stdout

    container = bootstrap(store.settings)
    try:
        table = container.store.recorder.events_table_name
        with container.engine.begin() as connection:
            rows = connection.execute(text(f"SELECT originator_id, state FROM {table} WHERE originator_version = 2")).all()
            row = next(r for r in rows if b"implemented" in bytes(r.state))
            connection.execute(
                text(f"UPDATE {table} SET state = :state WHERE originator_id = :id AND originator_version = 2"),
                {"state": bytes(row.state).replace(b"implemented", b"partial"), "id": row.originator_id},
            )
    finally:
        container.close()
    broken = cli(store, "audit", "verify")
    assert broken.returncode == 1 and "broken at position" in broken.stderr


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_logs_are_json_lines_or_readable_lines_as_log_format_says(store):
    """Production reads JSON lines; a person at a terminal reads ``console`` (the ``auto``
    default picks it when standard error is a terminal)."""
    json_run = subprocess.run(
        [sys.executable, "-m", "service", "org", "add", "--name", "ログ形式銀行", "--kind", "bank"],
        capture_output=True, text=True, env={**os.environ, **store.env, "LOG_FORMAT": "json"}, timeout=120,
    )
    assert json_run.returncode == 0, json_run.stderr
    lines = [json.loads(line) for line in json_run.stderr.splitlines() if line.strip()]
    added = next(line for line in lines if line["event"] == "org_added")
    assert added["detail"]["name"] == "ログ形式銀行" and added["level"] == "info" and added["timestamp"].endswith("Z")

    console_run = subprocess.run(
        [sys.executable, "-m", "service", "org", "add", "--name", "読める銀行", "--kind", "bank"],
        capture_output=True, text=True, env={**os.environ, **store.env, "LOG_FORMAT": "console"}, timeout=120,
    )
    assert console_run.returncode == 0, console_run.stderr
    line = next(line for line in console_run.stderr.splitlines() if "org_added" in line)
    assert not line.lstrip().startswith("{") and "読める銀行" in line and "[security]" in line

    refused = subprocess.run(
        [sys.executable, "-m", "service", "org", "add", "--name", "不明な形式銀行", "--kind", "bank"],
        capture_output=True, text=True, env={**os.environ, **store.env, "LOG_FORMAT": "xml"}, timeout=120,
    )
    assert refused.returncode == 2 and "LOG_FORMAT" in refused.stderr and refused.stdout == ""
