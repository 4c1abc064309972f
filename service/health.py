"""Liveness facts other processes record (the clock's heartbeat)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, Table

from .storage import Base

scheduler_heartbeat = Table(
    "scheduler_heartbeat",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)
