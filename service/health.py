"""Liveness facts the clock records and operators read: job runs and the clock's heartbeat.
Jobs, /healthz, /metrics and the advisory desk go through ``Health``, so the tables are
written and read in one place."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Column, DateTime, Engine, Integer, String, Table, Text, func, select

from .storage import Base, as_utc

scheduler_heartbeat = Table(
    "scheduler_heartbeat",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

job_runs = Table(
    "job_runs",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(40), nullable=False),
    Column("today", String(10), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("outcome", String(10), nullable=False),  # ok | failed
    Column("result", Text, nullable=False),
)


class Health:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record_run(self, job: str, today: date, started_at: datetime, outcome: str, result: Any) -> None:
        """One run of a job (``ok`` or ``failed``) with what it answered, for /metrics and operators."""
        with self.engine.begin() as connection:
            connection.execute(
                job_runs.insert().values(
                    job=job,
                    today=today.isoformat(),
                    started_at=started_at,
                    finished_at=datetime.now(timezone.utc),
                    outcome=outcome,
                    result=json.dumps(result, ensure_ascii=False, default=str),
                )
            )

    def run_counts(self) -> list[tuple[str, str, int]]:
        """(job, outcome, runs) for every job that has run."""
        with self.engine.connect() as connection:
            return [
                (job, outcome, count)
                for job, outcome, count in connection.execute(
                    select(job_runs.c.job, job_runs.c.outcome, func.count()).group_by(job_runs.c.job, job_runs.c.outcome)
                )
            ]

    def beat(self) -> None:
        """Record that the clock is alive now."""
        now = datetime.now(timezone.utc)
        with self.engine.begin() as connection:
            if connection.scalar(select(scheduler_heartbeat.c.id).where(scheduler_heartbeat.c.id == 1)) is None:
                connection.execute(scheduler_heartbeat.insert().values(id=1, at=now))
            else:
                connection.execute(scheduler_heartbeat.update().where(scheduler_heartbeat.c.id == 1).values(at=now))

    def last_beat(self) -> datetime | None:
        """When the clock last beat (None: no clock has ever run); raises when the database is down."""
        with self.engine.connect() as connection:
            beat = connection.scalar(select(scheduler_heartbeat.c.at))
        return as_utc(beat) if beat is not None else None
