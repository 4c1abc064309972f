"""FISC advisories (注意喚起): publishing one, and who acknowledged it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, RootModel, StrictInt, StrictStr

from .common import Body


class AdvisoryIn(Body):
    title: StrictStr = Field(min_length=1, max_length=200)
    body: StrictStr = Field(min_length=1, max_length=20_000)
    items: list[StrictInt] = Field(default_factory=list, max_length=200)
    respond_by: date
    severity: Literal["info", "warning", "critical"] = "warning"


class AcknowledgementOut(BaseModel):
    engagement_id: str
    connector: str
    title: str
    at: datetime
    by: str | None
    text: str | None


class PendingOut(BaseModel):
    engagement_id: str
    connector: str
    title: str


class AdvisoryCounts(BaseModel):
    noticed: int
    acknowledged: int
    pending: int


class AdvisoryOut(BaseModel):
    id: str
    title: str
    body: str
    items: list[int]
    respond_by: date
    severity: Literal["info", "warning", "critical"]
    published_at: datetime
    published_by: str
    acknowledgements: list[AcknowledgementOut]
    pending: list[PendingOut]
    counts: AdvisoryCounts


class AdvisoryList(RootModel[list[AdvisoryOut]]):
    pass
