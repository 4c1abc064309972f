"""Questions on an item: the reviewer asks and closes, both sides reply, and none after the
decision."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import (
    Invalid,
    ItemIsDropped,
    ItemNotFound,
    QuestionClosed,
    QuestionNotFound,
    RoleNotAllowed,
    WrongState,
)
from tests.unit.domain.builders import (
    AUDITOR,
    CONNECTOR,
    LIAISON,
    REVIEWER,
    judge_all,
    open_engagement,
    submitted_engagement,
)


def test_questions_cannot_be_asked_in_draft():
    eng = open_engagement()
    with pytest.raises(WrongState):
        eng.ask_question(REVIEWER, 1, "質問", "q1")


@pytest.mark.parametrize("actor", [CONNECTOR, AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_only_the_reviewer_asks_a_question(actor):
    eng = submitted_engagement()
    with pytest.raises(RoleNotAllowed):
        eng.ask_question(actor, 1, "質問", "q1")


def test_asking_a_question_moves_to_under_review_and_records_it():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "根拠は？", "q1")
    assert eng.state == "under_review"
    question = eng.question("q1")
    assert question["item"] == 1
    assert question["cycle"] == 1
    assert question["open"] is True
    assert question["closed"] is None
    assert question["posts"] == [
        {
            "by": {"id": "u-rev", "name": "審査 太郎", "org": "第一銀行", "org_id": "B1"},
            "at": question["posts"][0]["at"],
            "text": "根拠は？",
        }
    ]
    assert question["posts"][0]["at"] is not None


def test_question_needs_text_and_an_active_item():
    eng = submitted_engagement(dropped_items=[{"number": 6, "reason": "不要"}])
    with pytest.raises(Invalid):
        eng.ask_question(REVIEWER, 1, "  ", "q1")
    with pytest.raises(ItemIsDropped):
        eng.ask_question(REVIEWER, 6, "質問", "q1")
    with pytest.raises(ItemNotFound):
        eng.ask_question(REVIEWER, 99, "質問", "q1")
    assert eng.questions == []


def test_both_sides_reply_to_an_open_question():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "根拠は？", "q1")
    eng.post_reply(CONNECTOR, "q1", "資料を添付します")
    eng.post_reply(REVIEWER, "q1", "確認しました")
    posts = eng.question("q1")["posts"]
    assert [post["text"] for post in posts] == ["根拠は？", "資料を添付します", "確認しました"]
    assert [post["by"]["id"] for post in posts] == ["u-rev", "u-con", "u-rev"]


@pytest.mark.parametrize("actor", [AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_other_roles_cannot_reply(actor):
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "根拠は？", "q1")
    with pytest.raises(RoleNotAllowed):
        eng.post_reply(actor, "q1", "返信")


def test_reply_needs_text():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "根拠は？", "q1")
    with pytest.raises(Invalid):
        eng.post_reply(CONNECTOR, "q1", "")


def test_only_the_reviewer_closes_a_question():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "根拠は？", "q1")
    for actor in (CONNECTOR, AUDITOR, LIAISON):
        with pytest.raises(RoleNotAllowed):
            eng.close_question(actor, "q1")
    eng.close_question(REVIEWER, "q1")
    question = eng.question("q1")
    assert question["open"] is False
    assert question["closed"]["by"]["id"] == "u-rev"
    assert question["closed"]["at"] is not None


def test_reply_to_a_closed_question_is_refused():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "根拠は？", "q1")
    eng.close_question(REVIEWER, "q1")
    with pytest.raises(QuestionClosed):
        eng.post_reply(CONNECTOR, "q1", "遅れて返信")
    with pytest.raises(QuestionClosed):
        eng.close_question(REVIEWER, "q1")


def test_unknown_question_is_not_found():
    eng = submitted_engagement()
    with pytest.raises(QuestionNotFound):
        eng.post_reply(CONNECTOR, "nope", "返信")
    with pytest.raises(QuestionNotFound):
        eng.close_question(REVIEWER, "nope")
    with pytest.raises(QuestionNotFound):
        eng.question("nope")


def test_open_questions_are_counted_per_item_and_in_total():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "質問1", "q1")
    eng.ask_question(REVIEWER, 1, "質問2", "q2")
    eng.ask_question(REVIEWER, 5, "質問3", "q3")
    assert eng.open_questions(1) == 2
    assert eng.open_questions(5) == 1
    assert eng.open_questions(2) == 0
    assert eng.open_questions() == 3
    eng.close_question(REVIEWER, "q1")
    assert eng.open_questions(1) == 1
    assert eng.open_questions() == 2


def test_questions_cannot_be_asked_or_answered_after_the_decision():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "質問", "q1")
    eng.close_question(REVIEWER, "q1")
    judge_all(eng)
    eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    with pytest.raises(WrongState):
        eng.ask_question(REVIEWER, 1, "追加の質問", "q2")
    with pytest.raises(WrongState):
        eng.post_reply(CONNECTOR, "q1", "返信")
    with pytest.raises(WrongState):
        eng.close_question(REVIEWER, "q1")
