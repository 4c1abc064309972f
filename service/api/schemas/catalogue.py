"""The checklist edition as GET /checklist/current serves it, and the editions published."""

from __future__ import annotations

from pydantic import BaseModel, RootModel

from .common import PartyCode


class MethodOut(BaseModel):
    group: str
    text: str


class ReferenceOut(BaseModel):
    source: str
    location: str


class ChecklistItemOut(BaseModel):
    number: int
    chapter: int
    category: str
    party: PartyCode
    objective: str
    explanation: str
    methods: list[MethodOut]
    notes: list[str]
    references: list[ReferenceOut]


class CategoryOut(BaseModel):
    chapter: int
    name: str
    purpose: str
    numbers: list[int]


class GlossaryOut(BaseModel):
    term: str
    pages: str
    description: str


class ChecklistOut(BaseModel):
    edition: str
    title: str
    published: str
    categories: list[CategoryOut]
    items: list[ChecklistItemOut]
    glossary: list[GlossaryOut]


class EditionDiffOut(BaseModel):
    changed: list[int]
    added: list[int]
    removed: list[int]


class EditionPublished(BaseModel):
    edition: str
    title: str
    published: str
    items: int
    diff: EditionDiffOut


class EditionSummary(BaseModel):
    edition: str
    title: str
    published: str
    items: int
    current: bool


class EditionList(RootModel[list[EditionSummary]]):
    pass
