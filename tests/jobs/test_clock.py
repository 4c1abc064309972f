"""The clock process: jobs with fixed ids in the database's job store, a heartbeat,
and only one clock at a time (a second one stands by)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import psycopg
import pytest
from sqlalchemy import select, text

from service.health import scheduler_heartbeat
from tests.conftest import POSTGRES_URL


@dataclass
class Clock:
    """A clock process whose output goes to a file, so a test can read it while it runs."""

    process: subprocess.Popen
    log: tempfile._TemporaryFileWrapper = field(repr=False)

    def output(self) -> str:
        with open(self.log.name, encoding="utf-8", errors="replace") as printed:
            return printed.read()


def start_clock(env: dict[str, str]) -> Clock:
    log = tempfile.NamedTemporaryFile(prefix="clock-", suffix=".log")
    return Clock(subprocess.Popen([sys.executable, "-m", "jobs"], env=env, stdout=log, stderr=subprocess.STDOUT), log)


def stop(*clocks: Clock | None) -> list[str]:
    """SIGTERM each clock and return what each printed; one that does not stop is killed,
    so that no clock outlives its test and holds the lock against the next."""
    running = [clock for clock in clocks if clock is not None]
    for clock in running:
        clock.process.terminate()
    outputs = []
    for clock in running:
        try:
            clock.process.wait(timeout=30)
            outputs.append(clock.output())
        except subprocess.TimeoutExpired:
            clock.process.kill()
            clock.process.wait()
            outputs.append(clock.output() + "\n[killed: did not stop on SIGTERM]")
        clock.log.close()
    return outputs


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_one_clock_runs_the_jobs_and_a_second_stands_by(container, store):
    env = {**os.environ, **store.env}
    first = start_clock(env)
    second = None
    try:
        def jobs_stored() -> set[str]:
            with container.engine.connect() as connection:
                try:
                    return set(connection.scalars(text("SELECT id FROM apscheduler_jobs")))
                except Exception:
                    connection.rollback()
                    return set()

        assert wait_for(lambda: jobs_stored() >= {"annual_monitoring", "advisory_fanout", "reminders", "outbox", "heartbeat"})
        with container.engine.connect() as connection:
            assert connection.scalar(select(scheduler_heartbeat.c.at)) is not None
        second = start_clock(env)
        assert wait_for(lambda: "standing by" in second.output() or second.process.poll() is not None)
        assert second.process.poll() is None, second.output()  # waiting, not crashed
    finally:
        outputs = stop(first, second)
    assert "clock started" in outputs[0]
    assert "standing by" in outputs[1] and "clock started" not in outputs[1]


def test_a_job_late_by_an_hour_runs_once_even_with_two_clocks_started_together(container, store):
    """APScheduler's default misfire grace (1 s) would drop this run silently."""
    env = {**os.environ, **store.env}

    def next_run() -> float | None:
        with container.engine.connect() as connection:
            try:
                return connection.scalar(text("SELECT next_run_time FROM apscheduler_jobs WHERE id = 'annual_monitoring'"))
            except Exception:
                connection.rollback()
                return None

    first = start_clock(env)
    try:
        assert wait_for(lambda: next_run() is not None)
    finally:
        stop(first)
    with container.engine.begin() as connection:  # the clock was down when the job was due, an hour ago
        connection.execute(text("UPDATE apscheduler_jobs SET next_run_time = :at WHERE id = 'annual_monitoring'"), {"at": time.time() - 3600})

    def settled(output: str) -> bool:
        return "standing by" in output or "job annual_monitoring for" in output

    clocks = [start_clock(env) for _ in range(2)]
    try:
        assert wait_for(lambda: (next_run() or 0) > time.time(), seconds=40)
        assert wait_for(lambda: all(settled(clock.output()) for clock in clocks))
    finally:
        outputs = stop(*clocks)
    assert sum(output.count("job annual_monitoring for") for output in outputs) == 1, outputs


@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_deployments_in_two_schemas_of_one_database_each_run_their_clock(container, store):
    """The one-clock lock is taken per schema: a second deployment sharing the database
    (its own ``DATABASE_SCHEMA``) runs its jobs instead of standing by for ever."""
    other = f"{store.settings.database_schema}_b"

    def beating(schema: str) -> bool:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            try:
                return connection.execute(f'SELECT at FROM "{schema}".scheduler_heartbeat').fetchone() is not None
            except psycopg.Error:
                return False

    clocks = [start_clock({**os.environ, **store.env}), start_clock({**os.environ, **store.env, "DATABASE_SCHEMA": other})]
    try:
        assert wait_for(lambda: beating(store.settings.database_schema) and beating(other))
    finally:
        outputs = stop(*clocks)
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{other}" CASCADE')
    assert all("clock started" in output and "standing by" not in output for output in outputs), outputs
