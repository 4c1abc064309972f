"""Change reports (変更届)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, RootModel, StrictInt, StrictStr

from .common import Body, OrgRef, StateCode


class ChangeReportIn(Body):
    items: list[StrictInt] = Field(min_length=1, max_length=100, description="The checklist items the change touches")
    summary: StrictStr = Field(min_length=1, max_length=2_000)
    effective_on: date


class ReopenedOut(BaseModel):
    id: str
    bank: OrgRef
    cycle: int
    items: list[int]


class NotReopenedOut(BaseModel):
    id: str
    state: StateCode


class ChangeReportCreated(BaseModel):
    id: str
    engagements: list[ReopenedOut]
    not_reopened: list[NotReopenedOut]


class ReachOut(BaseModel):
    engagement_id: str
    title: str
    bank: OrgRef
    cycle: int
    items: list[int]
    standing: StrictStr = Field(description="The engagement's state while the report's cycle is open, else moved_on")


class ChangeReportOut(BaseModel):
    id: str
    connector: OrgRef
    items: list[int]
    summary: str
    effective_on: date
    reported_at: datetime
    reported_by: str
    engagements: list[ReachOut] = Field(description="Only the caller's own: a bank never sees another bank")
    not_reopened: int | None = Field(default=None, description="For the connector: engagements reached in another state")


class ChangeReportList(RootModel[list[ChangeReportOut]]):
    pass
