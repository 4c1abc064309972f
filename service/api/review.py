"""The review itself: answers and their submission, question threads, judgements, the
decision and its conditions."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from ..domain.codes import Role
from .operations import body, container, operation, responses, write_result
from .schemas.common import TextIn, VersionIn
from .schemas.engagements import EngagementOut
from .schemas.review import AnswerIn, CommentIn, DecisionIn, JudgementIn, QuestionCreated

bp = Blueprint("review", __name__)


@bp.put("/engagements/<engagement_id>/items/<int:number>/answer")
@operation(Role.CONNECTOR, Role.REVIEWER, json=AnswerIn, resp=responses(HTTP_200=EngagementOut), tags=["answers"])
def save_answer(engagement_id: str, number: int):
    """Save the answer to one item (対応状況区分, 現在の対応状況, 課題認識, 課題への対応計画, 備考)."""
    data = body().model_dump()
    expected = data.pop("expected_version")
    engagement = container().review.save_answer(g.actor, engagement_id, number, expected_version=expected, **data)
    return write_result(engagement)


@bp.post("/engagements/<engagement_id>/submit")
@operation(Role.CONNECTOR, json=VersionIn, resp=responses(HTTP_200=EngagementOut), tags=["answers"])
def submit(engagement_id: str):
    """Hand the answers to the bank (409 lists the items still unanswered)."""
    return write_result(container().review.submit(g.actor, engagement_id, **body().model_dump()))


@bp.post("/engagements/<engagement_id>/items/<int:number>/questions")
@operation(Role.REVIEWER, json=TextIn, resp=responses(HTTP_201=QuestionCreated), tags=["questions"])
def ask_question(engagement_id: str, number: int):
    """Open a question thread on an item."""
    data = body()
    question_id, engagement = container().review.ask_question(
        g.actor, engagement_id, number, data.text, expected_version=data.expected_version
    )
    return jsonify({"question_id": question_id, "version": engagement.version}), 201


@bp.post("/engagements/<engagement_id>/questions/<question_id>/replies")
@operation(Role.REVIEWER, Role.CONNECTOR, json=TextIn, resp=responses(HTTP_201=EngagementOut), tags=["questions"])
def post_reply(engagement_id: str, question_id: str):
    """Reply in a question thread (either side)."""
    data = body()
    engagement = container().review.post_reply(
        g.actor, engagement_id, question_id, data.text, expected_version=data.expected_version
    )
    return write_result(engagement, 201)


@bp.post("/engagements/<engagement_id>/questions/<question_id>/close")
@operation(Role.REVIEWER, json=VersionIn, resp=responses(HTTP_200=EngagementOut), tags=["questions"])
def close_question(engagement_id: str, question_id: str):
    """Close a question thread."""
    engagement = container().review.close_question(
        g.actor, engagement_id, question_id, expected_version=body().expected_version
    )
    return write_result(engagement)


@bp.put("/engagements/<engagement_id>/items/<int:number>/judgement")
@operation(Role.REVIEWER, json=JudgementIn, resp=responses(HTTP_200=EngagementOut), tags=["judgements"])
def judge_item(engagement_id: str, number: int):
    """Judge one item (a comment is required for unsatisfied and compensated)."""
    # the body's fields are the command's keyword arguments, by name (an unknown one is a TypeError here)
    return write_result(container().review.judge_item(g.actor, engagement_id, number, **body().model_dump()))


@bp.post("/engagements/<engagement_id>/decision")
@operation(Role.REVIEWER, json=DecisionIn, resp=responses(HTTP_200=EngagementOut), tags=["judgements"])
def decide(engagement_id: str):
    """The overall decision; approved and conditional move the engagement to monitoring."""
    return write_result(container().review.decide(g.actor, engagement_id, **body().model_dump()))


@bp.post("/engagements/<engagement_id>/conditions/<condition_id>/fulfil")
@operation(Role.REVIEWER, json=CommentIn, resp=responses(HTTP_200=EngagementOut), tags=["judgements"])
def fulfil_condition(engagement_id: str, condition_id: str):
    """Mark a condition of a conditional approval as fulfilled."""
    data = body()
    engagement = container().review.fulfil_condition(
        g.actor, engagement_id, condition_id, comment=data.comment, expected_version=data.expected_version
    )
    return write_result(engagement)
