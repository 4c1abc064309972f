"""Liveness facts other processes record (the clock's heartbeat)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, Text

from .storage import Base

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
