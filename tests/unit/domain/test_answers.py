"""Answers and submission: what an answer holds, who answers which item and when (the pen),
when a changed answer clears its judgement, and what the connector must answer to submit."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.actors import SYSTEM_ACTOR
from service.domain.answers import answer_gaps
from service.domain.errors import (
    AnswersMissing,
    DomainError,
    Invalid,
    ItemIsDropped,
    ItemNotFound,
    NotPartyOfItem,
    PenNotHeld,
    RoleNotAllowed,
    WrongState,
)
from tests.unit.domain.builders import (
    ADMIN,
    ALL_ITEMS,
    AUDITOR,
    BANK_ITEMS,
    COMMON_ITEMS,
    CONNECTOR,
    CONNECTOR_ITEMS,
    CONNECTOR_SIDE_ITEMS,
    LIAISON,
    REVIEWER,
    answer,
    answer_connector_side,
    events_of,
    judged_engagement,
    monitoring_engagement,
    open_engagement,
    submitted_engagement,
)


def test_connector_saves_an_answer_with_all_fields():
    eng = open_engagement()
    eng.save_answer(CONNECTOR, 1, status="partial", current_state="現状", issues="課題", plan="計画", remarks="備考")
    saved = eng.item(1)["answer"]
    assert {k: saved[k] for k in ("status", "current_state", "issues", "plan", "remarks")} == {
        "status": "partial",
        "current_state": "現状",
        "issues": "課題",
        "plan": "計画",
        "remarks": "備考",
    }
    assert saved["by"] == {"id": "u-con", "name": "接続 次郎", "org": "フィンテック株式会社", "org_id": "C1"}
    assert saved["cycle"] == 1
    assert saved["at"] == events_of(eng)[-1].timestamp.isoformat()


@pytest.mark.parametrize("status", ["implemented", "partial", "planned", "not_implemented", "not_applicable"])
def test_every_answer_status_code_is_accepted(status):
    eng = open_engagement()
    answer(eng, 1, status=status, plan="来期に多要素認証を導入する")
    assert eng.item(1)["answer"]["status"] == status


@pytest.mark.parametrize("status", ["planned", "not_implemented"])
@pytest.mark.parametrize("plan", ["", "  ", "\n", None])
def test_an_unmet_item_needs_its_plan(status, plan):
    eng = open_engagement()
    with pytest.raises(Invalid) as refused:
        answer(eng, 1, status=status, plan=plan)
    assert refused.value.context["field"] == "plan" and "課題への対応計画" in refused.value.detail
    assert eng.item(1)["answer"] is None


@pytest.mark.parametrize("status, gaps", [("partial", ["issues", "plan"]), ("planned", ["issues"]), ("implemented", []), ("not_applicable", [])])
def test_answers_that_leave_the_format_columns_empty_are_flagged(status, gaps):
    eng = open_engagement()
    answer(eng, 1, status=status, plan="計画" if status == "planned" else "")
    assert answer_gaps(eng.item(1)["answer"]) == gaps


@pytest.mark.parametrize("status", ["done", "", None, "対応済", "IMPLEMENTED", 1])
def test_answer_status_must_be_a_known_code(status):
    eng = open_engagement()
    with pytest.raises(Invalid) as excinfo:
        answer(eng, 1, status=status)
    assert excinfo.value.context["field"] == "status"
    assert eng.item(1)["answer"] is None


@pytest.mark.parametrize("current_state", ["", "   ", None])
def test_answer_needs_the_current_state(current_state):
    eng = open_engagement()
    with pytest.raises(Invalid) as excinfo:
        answer(eng, 1, current_state=current_state)
    assert excinfo.value.context["field"] == "current_state"


@pytest.mark.parametrize("field", ["current_state", "issues", "plan", "remarks"])
def test_answer_texts_over_20000_characters_are_refused(field):
    eng = open_engagement()
    with pytest.raises(Invalid) as excinfo:
        answer(eng, 1, **{field: "あ" * 20_001})
    assert excinfo.value.context["field"] == field
    answer(eng, 1, **{field: "あ" * 20_000})
    assert len(eng.item(1)["answer"][field]) == 20_000


@pytest.mark.parametrize("field", ["issues", "plan", "remarks"])
def test_answer_text_fields_must_be_text(field):
    eng = open_engagement()
    with pytest.raises(Invalid):
        answer(eng, 1, **{field: 42})


@pytest.mark.parametrize("number", CONNECTOR_SIDE_ITEMS)
def test_connector_answers_connector_and_common_items(number):
    eng = open_engagement()
    answer(eng, number)
    assert eng.item(number)["answer"]["by"]["id"] == "u-con"


@pytest.mark.parametrize("number", BANK_ITEMS)
def test_connector_cannot_answer_bank_items(number):
    eng = open_engagement()
    with pytest.raises(NotPartyOfItem) as excinfo:
        answer(eng, number)
    assert excinfo.value.context == {"number": number, "party": "bank"}


@pytest.mark.parametrize("number", BANK_ITEMS + COMMON_ITEMS)
def test_reviewer_answers_bank_and_common_items(number):
    eng = open_engagement()
    answer(eng, number, REVIEWER)
    assert eng.item(number)["answers"]["bank"]["by"]["id"] == "u-rev"
    assert eng.item(number)["answers"]["connector"] is None


@pytest.mark.parametrize("number", BANK_ITEMS)
def test_the_answer_of_a_bank_item_is_the_banks_statement(number):
    eng = open_engagement()
    answer(eng, number, REVIEWER)
    assert eng.item(number)["answer"] == eng.item(number)["answers"]["bank"]


@pytest.mark.parametrize("number", CONNECTOR_ITEMS)
def test_reviewer_cannot_answer_connector_items(number):
    with pytest.raises(NotPartyOfItem):
        answer(open_engagement(), number, REVIEWER)


@pytest.mark.parametrize("actor", [AUDITOR, LIAISON, ADMIN, SYSTEM_ACTOR])
def test_auditor_and_other_roles_cannot_answer(actor):
    eng = open_engagement()
    for number in ALL_ITEMS:
        with pytest.raises(RoleNotAllowed):
            answer(eng, number, actor)


def test_dropped_item_cannot_be_answered():
    eng = open_engagement(dropped_items=[{"number": 1, "reason": "不要"}, {"number": 5, "reason": "不要"}])
    with pytest.raises(ItemIsDropped):
        answer(eng, 1)
    with pytest.raises(ItemIsDropped):
        answer(eng, 5, REVIEWER)


@pytest.mark.parametrize("actor", [CONNECTOR, REVIEWER])
def test_unknown_item_cannot_be_answered(actor):
    eng = open_engagement()
    with pytest.raises(ItemNotFound):
        answer(eng, 45, actor)


def test_custom_item_is_answered_by_its_party():
    eng = open_engagement(
        custom_items=[{"objective": "独自A", "party": "connector"}, {"objective": "独自B", "party": "bank"}]
    )
    answer(eng, 45)
    answer(eng, 46, REVIEWER)
    with pytest.raises(NotPartyOfItem):
        answer(eng, 46)
    with pytest.raises(NotPartyOfItem):
        answer(eng, 45, REVIEWER)


def test_connector_holds_the_pen_in_draft():
    eng = open_engagement()
    assert all(eng.connector_holds_pen(n) for n in ALL_ITEMS)
    answer(eng, 1, current_state="一回目")
    answer(eng, 1, current_state="二回目")
    assert eng.item(1)["answer"]["current_state"] == "二回目"


def test_connector_cannot_edit_answer_after_submission():
    eng = submitted_engagement()
    assert not eng.connector_holds_pen(1)
    with pytest.raises(PenNotHeld) as excinfo:
        answer(eng, 1, current_state="書き換え")
    assert excinfo.value.context["number"] == 1
    assert eng.item(1)["answer"]["current_state"] != "書き換え"


def test_connector_cannot_edit_answer_under_review_without_an_open_question():
    eng = submitted_engagement()
    eng.judge_item(REVIEWER, 1, "satisfied")
    assert eng.state == "under_review"
    with pytest.raises(PenNotHeld):
        answer(eng, 2, current_state="書き換え")


def test_connector_edits_an_item_with_an_open_question_after_submission():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 2, "根拠資料は？", "q1")
    assert eng.connector_holds_pen(2)
    assert not eng.connector_holds_pen(1)
    answer(eng, 2, current_state="追記しました")
    assert eng.item(2)["answer"]["current_state"] == "追記しました"
    with pytest.raises(PenNotHeld):
        answer(eng, 1, current_state="書き換え")


def test_connector_loses_the_pen_when_the_question_is_closed():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 2, "根拠資料は？", "q1")
    eng.close_question(REVIEWER, "q1")
    with pytest.raises(PenNotHeld):
        answer(eng, 2, current_state="追記しました")


def test_connector_cannot_edit_answers_after_the_decision():
    eng = monitoring_engagement()
    with pytest.raises(PenNotHeld):
        answer(eng, 1, current_state="書き換え")


def test_reviewer_answers_bank_items_while_under_review():
    eng = submitted_engagement()
    answer(eng, 5, REVIEWER)
    eng.judge_item(REVIEWER, 1, "satisfied")
    answer(eng, 6, REVIEWER)
    assert eng.item(6)["answer"]["by"]["id"] == "u-rev"


@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_reviewer_cannot_answer_after_the_decision(outcome):
    eng = judged_engagement()
    eng.decide(REVIEWER, outcome=outcome, comment="判定", decided_on=date(2026, 4, 1))
    with pytest.raises(WrongState):
        answer(eng, 5, REVIEWER)


def test_changed_answer_clears_a_judgement_given_in_the_same_cycle():
    eng = submitted_engagement()
    eng.judge_item(REVIEWER, 3, "satisfied")
    eng.ask_question(REVIEWER, 3, "補足してください", "q1")
    answer(eng, 3, current_state="補足しました")
    assert eng.item(3)["judgement"] is None
    assert 3 in eng.unjudged()


def test_changed_answer_by_the_reviewer_clears_its_judgement_too():
    eng = submitted_engagement()
    answer(eng, 5, REVIEWER, status="implemented")
    eng.judge_item(REVIEWER, 5, "satisfied")
    answer(eng, 5, REVIEWER, status="partial")
    assert eng.item(5)["judgement"] is None


@pytest.mark.parametrize("field", ["status", "current_state", "issues", "plan", "remarks"])
def test_a_change_in_any_answer_field_clears_the_judgement(field):
    eng = open_engagement()
    base = {"status": "implemented", "current_state": "現状", "issues": "", "plan": "", "remarks": ""}
    eng.save_answer(REVIEWER, 5, **base)
    answer_connector_side(eng)
    eng.submit(CONNECTOR)
    eng.judge_item(REVIEWER, 5, "satisfied")
    changed = dict(base, **{field: "partial" if field == "status" else "変更"})
    eng.save_answer(REVIEWER, 5, **changed)
    assert eng.item(5)["judgement"] is None


def test_identical_re_save_keeps_the_judgement():
    eng = submitted_engagement()
    answer(eng, 5, REVIEWER)
    eng.judge_item(REVIEWER, 5, "satisfied")
    eng.judge_item(REVIEWER, 3, "compensated", "代替策あり")
    answer(eng, 5, REVIEWER)
    eng.ask_question(REVIEWER, 3, "確認", "q1")
    answer(eng, 3)
    assert eng.item(5)["judgement"]["verdict"] == "satisfied"
    assert eng.item(3)["judgement"]["verdict"] == "compensated"


def test_refused_answer_records_no_event():
    eng = submitted_engagement()
    before = eng.version
    with pytest.raises(DomainError):
        answer(eng, 1)
    with pytest.raises(DomainError):
        answer(eng, 5, AUDITOR)
    assert eng.version == before


# --------------------------------------------------------------------------- submit


def test_connector_submits_when_connector_and_common_items_are_answered():
    eng = open_engagement()
    answer_connector_side(eng)
    eng.submit(CONNECTOR)
    assert eng.state == "submitted"
    assert eng.item(5)["answer"] is None  # bank items are not required


def test_submit_lists_exactly_the_unanswered_connector_and_common_items():
    eng = open_engagement()
    answer(eng, 2)
    answer(eng, 4, REVIEWER)  # the bank's part of a common item: the connector's own is still missing
    with pytest.raises(AnswersMissing) as excinfo:
        eng.submit(CONNECTOR)
    assert excinfo.value.context["items"] == [1, 3, 4]
    assert eng.missing_answers() == [1, 3, 4]
    assert eng.state == "draft"


def test_submit_does_not_require_bank_or_dropped_items():
    eng = open_engagement(dropped_items=[{"number": 2, "reason": "不要"}])
    assert eng.missing_answers() == [1, 3, 4]
    answer_connector_side(eng, [1, 3, 4])
    eng.submit(CONNECTOR)
    assert eng.state == "submitted"


def test_submit_requires_custom_connector_items():
    eng = open_engagement(
        custom_items=[{"objective": "独自", "party": "connector"}, {"objective": "独自B", "party": "bank"}]
    )
    answer_connector_side(eng)
    with pytest.raises(AnswersMissing) as excinfo:
        eng.submit(CONNECTOR)
    assert excinfo.value.context["items"] == [45]


@pytest.mark.parametrize("actor", [REVIEWER, AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_only_the_connector_submits(actor):
    eng = open_engagement()
    answer_connector_side(eng)
    with pytest.raises(RoleNotAllowed):
        eng.submit(actor)


def test_submit_only_from_draft():
    eng = submitted_engagement()
    with pytest.raises(WrongState):
        eng.submit(CONNECTOR)
    eng.judge_item(REVIEWER, 1, "satisfied")
    with pytest.raises(WrongState):
        eng.submit(CONNECTOR)
