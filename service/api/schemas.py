"""Request and response schemas of the JSON API (pydantic; the OpenAPI document is
generated from these). Numbers and texts are strict: "1" is not an item number."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, RootModel, StrictBool, StrictInt, StrictStr
from spectree.model_adapter.pydantic_adapter import BaseFile
from werkzeug.datastructures import FileStorage

from ..usecases.store import whole_version

AnswerStatusCode = Literal["implemented", "partial", "planned", "not_implemented", "not_applicable"]
VerdictCode = Literal["satisfied", "compensated", "unsatisfied", "not_applicable"]
OutcomeCode = Literal["approved", "conditional", "rejected"]
StateCode = Literal["draft", "submitted", "under_review", "decided", "monitoring", "withdrawn"]
ReasonCode = Literal["initial", "annual", "item_changed", "advisory"]
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


# ---------------------------------------------------------------- auth


class TokenRequest(Body):
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=1024)
    totp: StrictStr | None = Field(default=None, max_length=12)


class TokenResponse(BaseModel):
    token: str
    expires_at: datetime


class TotpEnrolOut(BaseModel):
    secret: str = Field(description="Base32 TOTP secret (30-second steps, 6 digits, SHA-1)")
    otpauth_uri: str = Field(description="otpauth:// URI for an authenticator app (QR code)")


class TotpConfirmIn(Body):
    code: StrictStr = Field(max_length=12, description="The app's current 6-digit code")


class TotpConfirmOut(BaseModel):
    enrolled: bool


# ---------------------------------------------------------------- errors


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


class ErrorDetail(BaseModel):
    code: str = Field(description="snake_case, e.g. validation_error, stale_version, unsupported_media_type")
    message: str = Field(description="Japanese, for people")
    field: str | None = Field(default=None, description="The refused field's path, e.g. dropped_items[0].reason")
    items: list[int] | None = None
    current_version: int | None = Field(default=None, description="With 409 stale_version")
    errors: list[FieldProblem | CellProblem] | None = None
    enrolment_token: str | None = Field(
        default=None, description="With 403 mfa_enrolment_required from /auth/token: Bearer token for /auth/totp/*"
    )
    expires_at: datetime | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class EnrolmentRequiredResponse(ErrorResponse):
    """403 mfa_enrolment_required from /auth/token: the role must enrol TOTP first."""

    enrolment_token: str = Field(description="Bearer token (10 minutes) for /auth/totp/enrol and /auth/totp/confirm only")
    expires_at: datetime


# ---------------------------------------------------------------- checklist


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


# ---------------------------------------------------------------- engagements: requests


class DroppedItemIn(Body):
    number: StrictInt
    reason: StrictStr = RequiredText


class CustomItemIn(Body):
    objective: StrictStr = Field(min_length=1, max_length=2_000)
    party: PartyCode
    category: StrictStr | None = Field(default=None, max_length=100)


class OpenEngagementIn(Body):
    connector_org_id: StrictStr = Field(max_length=36)
    title: StrictStr = Field(min_length=1, max_length=200)
    dropped_items: list[DroppedItemIn] = Field(default_factory=list, max_length=100)
    custom_items: list[CustomItemIn] = Field(default_factory=list, max_length=100)


class AnswerIn(Body):
    status: AnswerStatusCode
    current_state: StrictStr = RequiredText
    issues: StrictStr = Text
    plan: StrictStr = Text
    remarks: StrictStr = Text
    expected_version: ExpectedVersion = None


class VersionIn(Body):
    expected_version: ExpectedVersion = None


class TextIn(Body):
    text: StrictStr = RequiredText
    expected_version: ExpectedVersion = None


class JudgementIn(Body):
    verdict: VerdictCode
    comment: StrictStr = Text
    certification_id: StrictStr | None = Field(
        default=None, max_length=36, description="A certification of the connector accepted in lieu of evidence."
    )
    expected_version: ExpectedVersion = None


class ConditionIn(Body):
    text: StrictStr = Field(min_length=1, max_length=2_000)
    items: list[StrictInt] = Field(min_length=1, max_length=100)
    due_on: date


class DecisionIn(Body):
    outcome: OutcomeCode
    comment: StrictStr = RequiredText
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=50)
    next_review_on: date | None = Field(default=None, description="Default: the decision date one year later.")
    expected_version: ExpectedVersion = None


class ReviewCycleIn(Body):
    reason: Literal["annual", "item_changed", "advisory"]
    items: list[StrictInt] = Field(default_factory=list, max_length=200, description="Ignored for annual: all items.")
    note: StrictStr = Field(default="", max_length=2_000)
    expected_version: ExpectedVersion = None


class CommentIn(Body):
    comment: StrictStr = Text
    expected_version: ExpectedVersion = None


class ReasonIn(Body):
    reason: StrictStr = RequiredText
    expected_version: ExpectedVersion = None


class CustomItemAddIn(CustomItemIn):
    expected_version: ExpectedVersion = None


class AsOfQuery(BaseModel):
    as_of: StrictStr | None = Field(default=None, description="ISO 8601 instant with offset, e.g. 2026-04-01T09:00:00+09:00")


class PageQuery(BaseModel):
    limit: int | None = Field(default=None, ge=1, le=200)
    after: StrictStr | None = Field(default=None, max_length=100, description="Cursor from the previous page's Link header.")


# ---------------------------------------------------------------- engagements: responses


class OrgRef(BaseModel):
    id: str
    name: str


class ActorRef(BaseModel):
    id: str
    name: str
    org: str
    org_id: str | None = None


class CycleOut(BaseModel):
    number: int
    reason: ReasonCode
    items: list[int]


class AnswerOut(BaseModel):
    status: AnswerStatusCode
    current_state: str
    issues: str
    plan: str
    remarks: str
    by: ActorRef
    at: datetime | None
    cycle: int


class CertificationRef(BaseModel):
    id: str
    kind: str
    issuer: str
    valid_until: date


class JudgementOut(BaseModel):
    verdict: VerdictCode
    comment: str
    certification: CertificationRef | None = None
    by: ActorRef
    at: datetime | None
    cycle: int


class DroppedOut(BaseModel):
    reason: str


class EvidenceOut(BaseModel):
    sha256: str
    filename: str
    size: int
    content_type: str
    by: ActorRef
    at: datetime | None
    cycle: int


class ItemOut(BaseModel):
    number: int
    objective: str
    party: PartyCode
    category: str
    custom: StrictBool
    dropped: DroppedOut | None
    in_cycle: bool
    answer: AnswerOut | None
    judgement: JudgementOut | None
    evidence: list[EvidenceOut]
    open_questions: int


class FulfilmentOut(BaseModel):
    by: ActorRef
    at: datetime | None
    comment: str


class ConditionOut(BaseModel):
    id: str
    text: str
    items: list[int]
    due_on: date
    fulfilled: FulfilmentOut | None


class DecisionOut(BaseModel):
    outcome: OutcomeCode
    comment: str
    conditions: list[ConditionOut]
    decided_on: date
    by: ActorRef
    at: datetime | None


class PostOut(BaseModel):
    by: ActorRef
    at: datetime | None
    text: str


class QuestionOut(BaseModel):
    id: str
    item: int
    cycle: int
    open: bool
    posts: list[PostOut]


class AdvisoryNoticeOut(BaseModel):
    id: str
    title: str
    items: list[int]
    respond_by: str | None
    acknowledgement: PostOut | None


class EngagementOut(BaseModel):
    id: str
    title: str
    bank: OrgRef
    connector: OrgRef
    edition: str
    state: StateCode
    cycle: CycleOut
    version: int
    next_review_on: date | None
    items: list[ItemOut]
    decision: DecisionOut | None
    conditions: list[ConditionOut]
    questions: list[QuestionOut]
    advisories: list[AdvisoryNoticeOut]


class CycleSummary(BaseModel):
    number: int
    reason: ReasonCode


class EngagementSummary(BaseModel):
    id: str
    title: str
    bank: OrgRef
    connector: OrgRef
    state: StateCode
    cycle: CycleSummary
    version: int
    next_review_on: date | None
    condition_due_on: date | None = Field(description="the earliest due date of an approval condition not yet fulfilled")
    items_total: int
    items_in_cycle: int = Field(description="active items the current review cycle covers; `answered` counts among them")
    answered: int
    judged: int
    unsatisfied: int
    open_questions: int
    last_activity: datetime


class EngagementList(RootModel[list[EngagementSummary]]):
    pass


class QuestionCreated(BaseModel):
    question_id: str
    version: int


class TimelineActor(BaseModel):
    id: str
    name: str
    org: str


class TimelineEntry(BaseModel):
    position: int
    at: datetime
    actor: TimelineActor
    type: str
    item: int | None
    text: str
    cycle: int
    version: int


class Timeline(RootModel[list[TimelineEntry]]):
    pass


class InboxEntry(BaseModel):
    kind: Literal[
        "answers_due",
        "question_to_answer",
        "reply_to_review",
        "to_judge",
        "decision_due",
        "review_due",
        "advisory_to_acknowledge",
        "condition_overdue",
    ]
    engagement_id: str
    title: str
    item: int | None
    ref: str | None
    text: str
    since: str
    age_days: int


class Inbox(RootModel[list[InboxEntry]]):
    pass


class DiffSide(BaseModel):
    answer: dict | None
    verdict: VerdictCode | None


class DiffEntry(BaseModel):
    number: int
    objective: str
    before: DiffSide
    after: DiffSide
    answer_changed: bool
    verdict_changed: bool


class CycleDiff(RootModel[list[DiffEntry]]):
    pass


# ---------------------------------------------------------------- advisories


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


# ---------------------------------------------------------------- checklist editions


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


# ---------------------------------------------------------------- answer library, certifications, evidence


class LibraryAnswerIn(Body):
    status: AnswerStatusCode
    current_state: StrictStr = RequiredText
    issues: StrictStr = Text
    plan: StrictStr = Text
    remarks: StrictStr = Text


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
    kind: Literal["isms", "iso27017", "iso27018", "pmark", "soc1", "soc2", "csmark", "pcidss", "other"]
    scope: StrictStr = Field(min_length=1, max_length=2_000)
    issuer: StrictStr = Field(min_length=1, max_length=200)
    valid_from: date
    valid_until: date
    items: StrictStr = Field(default="", max_length=500, description="Item numbers covered, comma separated (e.g. 1,2,3).")
    file: UploadedFile | None = None


class EvidenceForm(BaseModel):
    file: UploadedFile
    expected_version: int | None = Field(default=None, ge=0)


class XlsxForm(BaseModel):
    file: UploadedFile
    expected_version: int | None = Field(default=None, ge=0)
