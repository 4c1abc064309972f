"""The connector's answer library, its sharing and its third-party certifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, RootModel, StrictStr

from .common import AnswerFields, AnswerStatusCode, Body, OrgRef, UploadedFile


class LibraryAnswerIn(AnswerFields):
    pass


class ShareIn(Body):
    bank_org_id: StrictStr = Field(max_length=36)


class LibraryEntryOut(BaseModel):
    number: int
    status: AnswerStatusCode
    current_state: str
    issues: str
    plan: str
    remarks: str
    at: datetime | None
    version: int
    source: str | None


class CertificationOut(BaseModel):
    id: str
    kind: str
    kind_label: str
    scope: str
    issuer: str
    valid_from: date
    valid_until: date
    items: list[int]
    file: dict | None
    withdrawn: bool


class LibraryOut(BaseModel):
    connector: OrgRef
    version: int
    entries: list[LibraryEntryOut]
    shared_with: list[OrgRef]
    certifications: list[CertificationOut]


class LibraryList(RootModel[list[LibraryOut]]):
    pass


class LibraryQuery(BaseModel):
    connector_org_id: StrictStr | None = Field(default=None, max_length=36)


class CertificationForm(BaseModel):
    kind: Literal["isms", "iso27017", "iso27018", "pmark", "soc1", "soc2", "csmark", "pcidss", "itsms", "security_audit", "it7", "other"]
    scope: StrictStr = Field(min_length=1, max_length=2_000)
    issuer: StrictStr = Field(min_length=1, max_length=200)
    valid_from: date
    valid_until: date
    items: StrictStr = Field(default="", max_length=500, description="Item numbers covered, comma separated (e.g. 1,2,3).")
    file: UploadedFile | None = None
