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
