"""The review itself: answers, questions, judgements, the decision and its conditions."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, StrictInt, StrictStr

from .common import AnswerFields, Body, ExpectedVersion, OutcomeCode, RequiredText, Text, VerdictCode


class AnswerIn(AnswerFields):
    expected_version: ExpectedVersion = None


class QuestionCreated(BaseModel):
    question_id: str
    version: int


class JudgementIn(Body):
    verdict: VerdictCode
    comment: StrictStr = Text
    certification_id: StrictStr | None = Field(
        default=None, max_length=36, description="A certification of the connector accepted in lieu of evidence."
    )
    expected_version: ExpectedVersion = None


class CommentIn(Body):
    comment: StrictStr = Text
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
