"""What the schemas of every feature share: the codes, text and version fields, the refusal of
unknown fields, uploads, and the contract's error shape. Numbers and texts are strict: "1" is
not an item number."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr
from spectree.model_adapter.pydantic_adapter import BaseFile
from werkzeug.datastructures import FileStorage

from ...usecases.store import whole_version

AnswerStatusCode = Literal["implemented", "partial", "planned", "not_implemented", "not_applicable"]
VerdictCode = Literal["satisfied", "compensated", "unsatisfied", "not_applicable"]
OutcomeCode = Literal["approved", "conditional", "rejected"]
StateCode = Literal["draft", "submitted", "under_review", "decided", "monitoring", "withdrawn"]
ReasonCode = Literal["initial", "annual", "item_changed", "advisory", "change_reported"]
PartyCode = Literal["connector", "bank", "common"]

Text = Field(default="", max_length=20_000)
RequiredText = Field(min_length=1, max_length=20_000)
# 79.0 is read as 79 (JSON libraries that keep every number a float); 79.5, true and "79" are
# refused with 422 invalid_expected_version
ExpectedVersion = Annotated[
    Annotated[int, Field(ge=0)] | None,
    BeforeValidator(whole_version),
    Field(description="The version you last read; a stale one answers 409."),
]


def _uploaded(value: object) -> object:
    """spectree's BaseFile takes any value: a text field named ``file`` is no upload."""
    if not isinstance(value, FileStorage):
        raise ValueError("send a file part (with a filename) under this name")
    return value


UploadedFile = Annotated[BaseFile, AfterValidator(_uploaded)]


class Body(BaseModel):
    """Unknown fields are refused, so nothing like org_id or state can be smuggled in."""

    model_config = ConfigDict(extra="forbid")


class AnswerFields(Body):
    """The five columns of an answer, as an engagement and the library take them."""

    status: AnswerStatusCode
    current_state: StrictStr = RequiredText
    issues: StrictStr = Text
    plan: StrictStr = Text
    remarks: StrictStr = Text


class FieldProblem(BaseModel):
    """422 validation_error: one field the schema refused (``loc`` is its path)."""

    loc: list[str]
    msg: str
    type: str


class CellProblem(BaseModel):
    """422 invalid_workbook: one cell of an imported フォーマット (empty for the whole file)."""

    sheet: str
    cell: str
    message: str
    code: str | None = Field(default=None, description="what is wrong, e.g. control_characters, macro, sheet_too_large")


class ChangeRef(BaseModel):
    """409 stale_version: what changed since the writer read the engagement, by whom and when."""

    type: str = Field(description="The event, e.g. AnswerSaved, ItemJudged, Submitted")
    item: int | None = Field(default=None, description="The item it touched; null for the engagement as a whole")
    by: dict[str, str]
    at: datetime


class ErrorDetail(BaseModel):
    code: str = Field(description="snake_case, e.g. validation_error, stale_version, unsupported_media_type")
    message: str = Field(description="Japanese, for people")
    field: str | None = Field(default=None, description="The refused field's path, e.g. dropped_items[0].reason")
    items: list[int] | None = None
    current_version: int | None = Field(default=None, description="With 409 stale_version")
    changed: ChangeRef | None = Field(
        default=None, description="With 409 stale_version: the first change since expected_version to what the write depends on"
    )
    errors: list[FieldProblem | CellProblem] | None = None
    enrolment_token: str | None = Field(
        default=None, description="With 403 mfa_enrolment_required from /auth/token: Bearer token for /auth/totp/*"
    )
    expires_at: datetime | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class VersionIn(Body):
    expected_version: ExpectedVersion = None


class TextIn(Body):
    text: StrictStr = RequiredText
    expected_version: ExpectedVersion = None


class OrgRef(BaseModel):
    id: str
    name: str


class ActorRef(BaseModel):
    id: str
    name: str
    org: str
    org_id: str | None = None
