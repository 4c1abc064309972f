"""Tailoring during the review and the bank's templates."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, RootModel, StrictStr

from .catalogue import MethodOut, ReferenceOut
from .common import Body, ExpectedVersion, PartyCode
from .engagements import CustomItemIn, DroppedItemIn


class CustomItemAddIn(CustomItemIn):
    expected_version: ExpectedVersion = None


class TemplateIn(Body):
    name: StrictStr = Field(min_length=1, max_length=200)
    dropped_items: list[DroppedItemIn] = Field(default_factory=list, max_length=100)
    custom_items: list[CustomItemIn] = Field(default_factory=list, max_length=100)


class TemplateCreated(BaseModel):
    id: str


class DroppedItemOut(BaseModel):
    number: int
    reason: str


class CustomItemOut(BaseModel):
    objective: str
    party: PartyCode
    category: str
    explanation: str
    methods: list[MethodOut]
    references: list[ReferenceOut]


class TemplateOut(BaseModel):
    id: str
    name: str
    dropped_items: list[DroppedItemOut]
    custom_items: list[CustomItemOut]
    created_by: str
    created_at: datetime


class TemplateList(RootModel[list[TemplateOut]]):
    pass
