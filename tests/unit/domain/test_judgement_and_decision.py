"""The reviewer's verdicts on items, the decision with its outcome, review date and conditions,
and fulfilling a condition."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.actors import SYSTEM_ACTOR
from service.domain.engagement import Engagement
from service.domain.monitoring import months_later
from service.domain.errors import (
    ConditionAlreadyFulfilled,
    ConditionNotFound,
    Invalid,
    ItemIsDropped,
    ItemNotFound,
    ItemsNotJudged,
    QuestionsOpen,
    RoleNotAllowed,
    WrongState,
)
from tests.unit.domain.builders import (
    ALL_ITEMS,
    AUDITOR,
    CONNECTOR,
    LIAISON,
    REVIEWER,
    condition,
    judge_all,
    judged_engagement,
    monitoring_engagement,
    open_engagement,
    submitted_engagement,
)


@pytest.mark.parametrize("verdict", ["satisfied", "not_applicable"])
def test_verdict_without_comment_is_accepted_when_no_reason_is_needed(verdict):
    eng = submitted_engagement()
    eng.judge_item(REVIEWER, 1, verdict)
    judgement = eng.item(1)["judgement"]
    assert judgement["verdict"] == verdict
    assert judgement["comment"] == ""
    assert judgement["cycle"] == 1
    assert judgement["by"]["id"] == "u-rev"
    assert judgement["at"] is not None
    assert eng.state == "under_review"


@pytest.mark.parametrize("verdict", ["unsatisfied", "compensated"])
def test_unsatisfied_and_compensated_need_a_comment(verdict):
    eng = submitted_engagement()
    for comment in ("", "   ", None):
        with pytest.raises(Invalid) as excinfo:
            eng.judge_item(REVIEWER, 1, verdict, comment)
        assert excinfo.value.context["field"] == "comment"
    eng.judge_item(REVIEWER, 1, verdict, "理由")
    assert eng.item(1)["judgement"]["comment"] == "理由"


@pytest.mark.parametrize("verdict", ["ok", "", None, "充足", "SATISFIED"])
def test_verdict_must_be_a_known_code(verdict):
    eng = submitted_engagement()
    with pytest.raises(Invalid) as excinfo:
        eng.judge_item(REVIEWER, 1, verdict, "理由")
    assert excinfo.value.context["field"] == "verdict"


@pytest.mark.parametrize("actor", [CONNECTOR, AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_only_the_reviewer_judges(actor):
    eng = submitted_engagement()
    with pytest.raises(RoleNotAllowed):
        eng.judge_item(actor, 1, "satisfied")


def test_judgement_is_refused_in_draft():
    with pytest.raises(WrongState):
        open_engagement().judge_item(REVIEWER, 1, "satisfied")


@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_judgement_is_refused_after_the_decision(outcome):
    eng = judged_engagement()
    eng.decide(REVIEWER, outcome=outcome, comment="判定", decided_on=date(2026, 4, 1))
    with pytest.raises(WrongState):
        eng.judge_item(REVIEWER, 1, "satisfied")


def test_dropped_or_unknown_items_cannot_be_judged():
    eng = submitted_engagement(dropped_items=[{"number": 6, "reason": "不要"}])
    with pytest.raises(ItemIsDropped):
        eng.judge_item(REVIEWER, 6, "satisfied")
    with pytest.raises(ItemNotFound):
        eng.judge_item(REVIEWER, 99, "satisfied")


def test_judgement_can_be_revised_before_the_decision():
    eng = submitted_engagement()
    eng.judge_item(REVIEWER, 1, "unsatisfied", "不足")
    eng.judge_item(REVIEWER, 1, "satisfied")
    assert eng.item(1)["judgement"]["verdict"] == "satisfied"


# --------------------------------------------------------------------------- decision


def test_decision_lists_the_unjudged_items():
    eng = submitted_engagement(dropped_items=[{"number": 4, "reason": "不要"}])
    eng.judge_item(REVIEWER, 1, "satisfied")
    eng.judge_item(REVIEWER, 5, "satisfied")
    with pytest.raises(ItemsNotJudged) as excinfo:
        eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    assert excinfo.value.context["items"] == [2, 3, 6]
    assert eng.unjudged() == [2, 3, 6]


def test_decision_is_refused_while_a_question_is_open():
    eng = judged_engagement()
    eng.ask_question(REVIEWER, 1, "最後の確認", "q1")
    with pytest.raises(QuestionsOpen) as excinfo:
        eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    assert excinfo.value.context["count"] == 1
    eng.close_question(REVIEWER, "q1")
    eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    assert eng.state == "monitoring"


def test_unsatisfied_item_does_not_prevent_approval():
    eng = submitted_engagement()
    judge_all(eng)
    eng.judge_item(REVIEWER, 1, "unsatisfied", "多要素認証が未導入")
    eng.decide(REVIEWER, outcome="approved", comment="総合的に判断して承認", decided_on=date(2026, 4, 1))
    assert eng.state == "monitoring"
    assert eng.decision["outcome"] == "approved"


def test_approval_moves_to_monitoring_with_review_one_year_later():
    eng = judged_engagement()
    eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    assert eng.state == "monitoring"
    assert eng.next_review_on == "2027-04-01"
    decision = eng.decision
    assert decision["outcome"] == "approved"
    assert decision["comment"] == "承認"
    assert eng.decision_conditions(decision) == []
    assert decision["decided_on"] == "2026-04-01"
    assert decision["cycle"] == 1
    assert decision["by"]["id"] == "u-rev"
    assert decision["at"] is not None
    assert eng.conditions == []


def test_review_after_a_decision_on_29_february_falls_on_28_february():
    eng = judged_engagement()
    eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2028, 2, 29))
    assert eng.next_review_on == "2029-02-28"
    assert months_later(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert months_later(date(2028, 2, 28), 12) == date(2029, 2, 28)
    assert months_later(date(2026, 12, 31), 12) == date(2027, 12, 31)


def test_conditional_approval_moves_to_monitoring_with_its_conditions():
    eng = judged_engagement()
    eng.decide(
        REVIEWER,
        outcome="conditional",
        comment="条件付きで承認",
        decided_on=date(2026, 4, 1),
        conditions=[condition(items=[3, 1, 1]), condition(text="ログ監視", items=[5], due_on=date(2026, 12, 1))],
    )
    assert eng.state == "monitoring"
    assert eng.next_review_on == "2027-04-01"
    assert eng.conditions == [
        {"id": "1-1", "cycle": 1, "text": "多要素認証を導入すること", "items": [1, 3], "due_on": "2026-10-01", "fulfilled": None},
        {"id": "1-2", "cycle": 1, "text": "ログ監視", "items": [5], "due_on": "2026-12-01", "fulfilled": None},
    ]
    assert eng.decision_conditions(eng.decision) == eng.conditions


def test_rejection_moves_to_decided_without_a_review_date():
    eng = judged_engagement()
    eng.decide(REVIEWER, outcome="rejected", comment="否認", decided_on=date(2026, 4, 1))
    assert eng.state == "decided"
    assert eng.next_review_on is None
    assert eng.decision["outcome"] == "rejected"


def test_rejection_ignores_a_requested_review_date():
    eng = judged_engagement()
    eng.decide(REVIEWER, outcome="rejected", comment="否認", decided_on=date(2026, 4, 1), next_review_on=date(2026, 9, 1))
    assert eng.next_review_on is None


def test_explicit_next_review_date_must_be_after_the_decision():
    eng = judged_engagement()
    with pytest.raises(Invalid):
        eng.decide(
            REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1), next_review_on=date(2026, 4, 1)
        )
    eng.decide(
        REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1), next_review_on=date(2026, 10, 1)
    )
    assert eng.next_review_on == "2026-10-01"


@pytest.mark.parametrize("outcome", ["accepted", "", None, "承認"])
def test_outcome_must_be_a_known_code(outcome):
    eng = judged_engagement()
    with pytest.raises(Invalid):
        eng.decide(REVIEWER, outcome=outcome, comment="判定", decided_on=date(2026, 4, 1))


def test_decision_needs_a_comment():
    eng = judged_engagement()
    with pytest.raises(Invalid):
        eng.decide(REVIEWER, outcome="approved", comment=" ", decided_on=date(2026, 4, 1))


@pytest.mark.parametrize("actor", [CONNECTOR, AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_only_the_reviewer_decides(actor):
    eng = judged_engagement()
    with pytest.raises(RoleNotAllowed):
        eng.decide(actor, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))


def test_decision_is_refused_in_draft_and_after_a_decision():
    with pytest.raises(WrongState):
        open_engagement().decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    eng = monitoring_engagement()
    with pytest.raises(WrongState):
        eng.decide(REVIEWER, outcome="rejected", comment="否認", decided_on=date(2026, 5, 1))


def test_decision_right_after_submission_is_refused_until_every_item_is_judged():
    eng = submitted_engagement()
    with pytest.raises(ItemsNotJudged) as excinfo:
        eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    assert excinfo.value.context["items"] == ALL_ITEMS
    assert eng.state == "submitted"


def test_conditional_approval_needs_at_least_one_condition():
    eng = judged_engagement()
    with pytest.raises(Invalid) as excinfo:
        eng.decide(REVIEWER, outcome="conditional", comment="条件付", decided_on=date(2026, 4, 1))
    assert excinfo.value.context["field"] == "conditions"


@pytest.mark.parametrize(
    "bad",
    [
        condition(text=""),
        condition(text="   "),
        condition(text=None),
        condition(text="x" * 2001),
        condition(items=[]),
        condition(items=None),
        condition(items=[99]),
        condition(items=["1"]),
        condition(items=[True]),
        condition(items=1),
        condition(due_on=None),
        condition(due_on="来月"),
        condition(due_on="2026-13-01"),
        condition(due_on=20261001),
        "条件",
    ],
    ids=[
        "empty-text",
        "blank-text",
        "no-text",
        "long-text",
        "no-items",
        "items-none",
        "unknown-item",
        "item-as-text",
        "item-as-bool",
        "items-not-a-list",
        "no-due-date",
        "due-not-a-date",
        "due-invalid-month",
        "due-as-number",
        "not-an-object",
    ],
)
def test_each_condition_needs_text_known_items_and_an_iso_due_date(bad):
    eng = judged_engagement()
    with pytest.raises(Invalid):
        eng.decide(
            REVIEWER, outcome="conditional", comment="条件付", decided_on=date(2026, 4, 1), conditions=[condition(), bad]
        )
    assert eng.decision is None
    assert eng.state == "under_review"


def test_condition_cannot_name_a_dropped_item():
    eng = judged_engagement(dropped_items=[{"number": 6, "reason": "不要"}])
    with pytest.raises(Invalid):
        eng.decide(
            REVIEWER,
            outcome="conditional",
            comment="条件付",
            decided_on=date(2026, 4, 1),
            conditions=[condition(items=[6])],
        )


@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_approval_and_rejection_refuse_conditions(outcome):
    eng = judged_engagement()
    with pytest.raises(Invalid) as excinfo:
        eng.decide(REVIEWER, outcome=outcome, comment="判定", decided_on=date(2026, 4, 1), conditions=[condition()])
    assert excinfo.value.context["field"] == "conditions"


def conditional_engagement() -> Engagement:
    eng = judged_engagement()
    eng.decide(
        REVIEWER,
        outcome="conditional",
        comment="条件付",
        decided_on=date(2026, 4, 1),
        conditions=[condition(), condition(text="二つ目", items=[2])],
    )
    return eng


def test_reviewer_fulfils_a_condition_once():
    eng = conditional_engagement()
    eng.fulfil_condition(REVIEWER, "1-1", "導入を確認")
    fulfilled = eng.conditions[0]["fulfilled"]
    assert fulfilled["comment"] == "導入を確認"
    assert fulfilled["by"]["id"] == "u-rev"
    assert fulfilled["at"] is not None
    assert eng.conditions[1]["fulfilled"] is None
    with pytest.raises(ConditionAlreadyFulfilled):
        eng.fulfil_condition(REVIEWER, "1-1", "もう一度")


def test_unknown_condition_is_not_found():
    eng = conditional_engagement()
    with pytest.raises(ConditionNotFound):
        eng.fulfil_condition(REVIEWER, "3")
    with pytest.raises(ConditionNotFound):
        monitoring_engagement().fulfil_condition(REVIEWER, "1-1")


@pytest.mark.parametrize("actor", [CONNECTOR, AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_only_the_reviewer_fulfils_a_condition(actor):
    eng = conditional_engagement()
    with pytest.raises(RoleNotAllowed):
        eng.fulfil_condition(actor, "1-1")
