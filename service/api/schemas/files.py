"""Uploads: evidence files and filled フォーマット workbooks."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .common import UploadedFile


class EvidenceForm(BaseModel):
    file: UploadedFile
    expected_version: int | None = Field(default=None, ge=0)


class XlsxForm(BaseModel):
    file: UploadedFile
    expected_version: int | None = Field(default=None, ge=0)
