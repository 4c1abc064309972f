"""The clock process (Procfile: clock): APScheduler 3.x with its job store in the same
database, fixed job ids, schedules in APP_TIMEZONE, coalescing and misfire grace.

Only one clock may run: it holds a PostgreSQL advisory lock, or an exclusive file
lock next to the SQLite database. A second clock waits as a standby until the lock
is free, so a restart or a crash never runs the jobs twice at once.
"""

from __future__ import annotations

import fcntl
import logging
import signal
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

import psycopg
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service.bootstrap import Container
from service.storage import sqlite_path

log = logging.getLogger("jobs.clock")
LOCK_KEY = 0x46495343  # "FISC"
MISFIRE_GRACE_SECONDS = 6 * 3600
STANDBY_POLL_SECONDS = 10

_container: Container | None = None  # the running clock's container (jobs are stored by reference)


def run_scheduled(job_id: str) -> None:
    """Entry point the job store keeps: run ``job_id`` for today in APP_TIMEZONE."""
    from . import run_job

    assert _container is not None
    today = datetime.now(_container.settings.timezone).date()
    result = run_job(_container, job_id, today)
    log.info("job %s for %s: %s", job_id, today, result)


def beat() -> None:
    """Record that the clock is alive (read by /healthz)."""
    assert _container is not None
    _container.health.beat()


@contextmanager
def single_clock(container: Container) -> Iterator[None]:
    """Hold the one-clock lock for the life of the process (waiting while another holds it)."""
    settings = container.settings
    if settings.is_sqlite:
        path = sqlite_path(settings).with_suffix(".clock.lock")
        with open(path, "w") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    log.info("another clock holds %s; standing by", path)
                    time.sleep(STANDBY_POLL_SECONDS)
            yield
        return
    url = container.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    schema = settings.database_schema or "public"  # one clock per schema: deployments sharing a database each keep theirs
    with psycopg.connect(url, autocommit=True) as connection:
        while not connection.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_KEY, schema)).fetchone()[0]:
            log.info("another clock holds the advisory lock; standing by")
            time.sleep(STANDBY_POLL_SECONDS)
        yield


def stored_next_runs(container: Container) -> dict[str, datetime]:
    """When each job was due before this clock started: re-adding a job must not skip
    a run that fell due while no clock was running (it runs once, late)."""
    with container.engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
        except SQLAlchemyError:
            return {}  # first start: the table does not exist yet
    return {job_id: datetime.fromtimestamp(at, timezone.utc) for job_id, at in rows if at is not None}


def build_scheduler(container: Container) -> BlockingScheduler:
    from . import SCHEDULES

    zone = container.settings.timezone
    scheduler = BlockingScheduler(
        timezone=zone,
        jobstores={"default": SQLAlchemyJobStore(engine=container.engine, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
    )
    stored = stored_next_runs(container)
    for job_id, schedule in SCHEDULES.items():
        extra = {"next_run_time": stored[job_id]} if stored.get(job_id) else {}
        scheduler.add_job(
            run_scheduled,
            CronTrigger(timezone=zone, **schedule.cron),
            args=[job_id],
            id=job_id,
            replace_existing=True,
            **extra,
        )
    scheduler.add_job(beat, CronTrigger(timezone=zone, minute="*"), id="heartbeat", replace_existing=True)
    return scheduler


def run_clock(container: Container) -> int:
    global _container
    _container = container
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # each job's run is logged by run_scheduled
    with single_clock(container):
        scheduler = build_scheduler(container)
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=True))
        log.info("clock started: %s", ", ".join(job.id for job in scheduler.get_jobs()))
        beat()
        scheduler.start()
    return 0
