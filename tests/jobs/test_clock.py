"""The clock process: jobs with fixed ids in the database's job store, a heartbeat,
and only one clock at a time (a second one stands by)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import select, text

from service.health import scheduler_heartbeat


def wait_for(predicate, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_one_clock_runs_the_jobs_and_a_second_stands_by(container, store):
    env = {**os.environ, **store.env}
    first = subprocess.Popen([sys.executable, "-m", "jobs"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
        second = subprocess.Popen([sys.executable, "-m", "jobs"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(3)
        assert second.poll() is None  # waiting, not crashed
    finally:
        for process in (first, second):
            if process is not None:
                process.terminate()
        outputs = [process.communicate(timeout=30)[0] for process in (first, second) if process is not None]
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

    first = subprocess.Popen([sys.executable, "-m", "jobs"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for(lambda: next_run() is not None)
    finally:
        first.terminate()
        first.communicate(timeout=30)
    with container.engine.begin() as connection:  # the clock was down when the job was due, an hour ago
        connection.execute(text("UPDATE apscheduler_jobs SET next_run_time = :at WHERE id = 'annual_monitoring'"), {"at": time.time() - 3600})

    clocks = [subprocess.Popen([sys.executable, "-m", "jobs"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    try:
        assert wait_for(lambda: (next_run() or 0) > time.time(), seconds=40)
        time.sleep(2)
    finally:
        for clock in clocks:
            clock.terminate()
        outputs = [clock.communicate(timeout=30)[0] for clock in clocks]
    assert sum(output.count("job annual_monitoring for") for output in outputs) == 1, outputs
