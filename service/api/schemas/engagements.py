"""Engagements: opening, cycles and withdrawal; the engagement, its board row, timeline, inbox and cycle diff."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, RootModel, StrictBool, StrictInt, StrictStr

from .catalogue import MethodOut, ReferenceOut
from .common import ActorRef, AnswerStatusCode, Body, ExpectedVersion, OrgRef, OutcomeCode, PartyCode, ReasonCode, RequiredText, StateCode, VerdictCode


class DroppedItemIn(Body):
    number: StrictInt
    reason: StrictStr = RequiredText


class MethodIn(Body):
    group: StrictStr = Field(default="", max_length=200, description="The ＜heading＞ the method stands under")
    text: StrictStr = Field(min_length=1, max_length=2_000)


class ReferenceIn(Body):
    source: StrictStr = Field(default="", max_length=200, description="e.g. 安全対策基準")
    location: StrictStr = Field(min_length=1, max_length=2_000, description="e.g. 実3")


class CustomItemIn(Body):
    """A bank's own item, with the fields of a catalogue item."""

    objective: StrictStr = Field(min_length=1, max_length=2_000)
    party: PartyCode
    category: StrictStr | None = Field(default=None, max_length=100)
    explanation: StrictStr = Field(default="", max_length=20_000)
    methods: list[MethodIn] = Field(default_factory=list, max_length=50)
    references: list[ReferenceIn] = Field(default_factory=list, max_length=50)


class OpenEngagementIn(Body):
    connector_org_id: StrictStr = Field(max_length=36)
    title: StrictStr = Field(min_length=1, max_length=200)
    dropped_items: list[DroppedItemIn] = Field(default_factory=list, max_length=100)
    custom_items: list[CustomItemIn] = Field(default_factory=list, max_length=100)
    template_id: StrictStr | None = Field(
        default=None, max_length=36, description="One of the bank's tailoring templates; the items above are added to it"
    )


class ReviewCycleIn(Body):
    reason: Literal["annual", "item_changed", "advisory"]
    items: list[StrictInt] = Field(default_factory=list, max_length=200, description="Ignored for annual: all items.")
    note: StrictStr = Field(default="", max_length=2_000)
    expected_version: ExpectedVersion = None


class ReasonIn(Body):
    reason: StrictStr = RequiredText
    expected_version: ExpectedVersion = None


class AsOfQuery(BaseModel):
    as_of: StrictStr | None = Field(default=None, description="ISO 8601 instant with offset, e.g. 2026-04-01T09:00:00+09:00")


class PageQuery(BaseModel):
    limit: int | None = Field(default=None, ge=1, le=200)
    after: StrictStr | None = Field(default=None, max_length=100, description="Cursor from the previous page's Link header.")


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


class AnswersOut(BaseModel):
    """Each side's own statement; on a ``common`` (共通) item both stand, one never replacing the other."""

    connector: AnswerOut | None
    bank: AnswerOut | None


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
    explanation: str = Field(description="A custom item's own 説明 (a catalogue item's is in GET /checklist/current)")
    methods: list[MethodOut]
    references: list[ReferenceOut]
    dropped: DroppedOut | None
    in_cycle: bool
    answer: AnswerOut | None = Field(description="The statement of the item's party; on a common item the connector's.")
    answers: AnswersOut
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


class PlanPartyOut(BaseModel):
    id: str
    name: str
    org: str
    at: datetime | None


class PlanProposerOut(PlanPartyOut):
    side: Literal["bank", "connector"]


class MonitoringPlanOut(BaseModel):
    frequency_months: int
    depth: Literal["full", "changed_items", "selected_items"]
    items: list[int]
    note: str
    status: Literal["proposed", "agreed"]
    proposed_by: PlanProposerOut
    agreed_by: PlanPartyOut | None
    next_review_on: date | None


class MonitoringPlanIn(Body):
    frequency_months: StrictInt = Field(ge=1, le=36)
    depth: Literal["full", "changed_items", "selected_items"]
    items: list[StrictInt] = Field(default_factory=list, max_length=200, description="For selected_items")
    note: StrictStr = Field(default="", max_length=2_000)
    expected_version: ExpectedVersion = None


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
    monitoring_plan: MonitoringPlanOut | None
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
