"""Monitoring after approval: review cycles reopen items (all of them for the annual one), the
earlier cycles stay readable, and answers and verdicts are limited to the reopened items."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import (
    AnswersMissing,
    Invalid,
    ItemIsDropped,
    ItemNotFound,
    ItemNotInCycle,
    ItemsNotJudged,
    PenNotHeld,
    RoleNotAllowed,
    WrongState,
)
from tests.unit.domain.builders import (
    ALL_ITEMS,
    AUDITOR,
    CONNECTOR,
    CONNECTOR_SIDE_ITEMS,
    LIAISON,
    REVIEWER,
    answer,
    answer_connector_side,
    judge_all,
    judged_engagement,
    monitoring_engagement,
    open_engagement,
    submitted_engagement,
)


def test_annual_review_cycle_reopens_all_non_dropped_items():
    eng = monitoring_engagement(dropped_items=[{"number": 6, "reason": "不要"}])
    eng.start_review_cycle(REVIEWER, "annual", note="年次")
    assert eng.state == "draft"
    assert len(eng.cycles) == 2
    cycle = eng.cycle
    assert cycle["number"] == 2
    assert cycle["reason"] == "annual"
    assert cycle["items"] == [1, 2, 3, 4, 5]
    assert cycle["note"] == "年次"
    assert cycle["results"] is None
    assert eng.decision is None
    assert all(eng.item(n)["judgement"] is None for n in [1, 2, 3, 4, 5])


def test_annual_review_cycle_ignores_named_items():
    eng = monitoring_engagement()
    eng.start_review_cycle(SYSTEM_ACTOR, "annual", items=[1])
    assert eng.cycle["items"] == ALL_ITEMS


@pytest.mark.parametrize("reason", ["item_changed", "advisory"])
def test_item_changed_and_advisory_cycles_reopen_exactly_the_given_items(reason):
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, reason, items=[5, 1, 1])
    assert eng.cycle["reason"] == reason
    assert eng.cycle["items"] == [1, 5]


@pytest.mark.parametrize("reason", ["item_changed", "advisory"])
def test_targeted_cycle_needs_items(reason):
    eng = monitoring_engagement()
    with pytest.raises(Invalid) as excinfo:
        eng.start_review_cycle(REVIEWER, reason, items=[])
    assert excinfo.value.context["field"] == "items"
    assert eng.state == "monitoring"


def test_targeted_cycle_cannot_reopen_a_dropped_or_unknown_item():
    eng = monitoring_engagement(dropped_items=[{"number": 6, "reason": "不要"}])
    with pytest.raises(ItemIsDropped):
        eng.start_review_cycle(REVIEWER, "item_changed", items=[1, 6])
    with pytest.raises(ItemNotFound):
        eng.start_review_cycle(REVIEWER, "advisory", items=[99])
    assert len(eng.cycles) == 1


@pytest.mark.parametrize("items", [["1", 2], [1, None], [[1]]], ids=["text", "none", "nested"])
def test_targeted_cycle_items_must_be_item_numbers(items):
    eng = monitoring_engagement()
    with pytest.raises((Invalid, ItemNotFound)):
        eng.start_review_cycle(REVIEWER, "item_changed", items=items)
    assert eng.state == "monitoring"


@pytest.mark.parametrize("reason", ["initial", "monthly", "", None])
def test_review_cycle_reason_must_be_a_later_cycle_reason(reason):
    eng = monitoring_engagement()
    with pytest.raises(Invalid):
        eng.start_review_cycle(REVIEWER, reason, items=[1])


def test_review_cycle_starts_only_from_monitoring():
    with pytest.raises(WrongState):
        open_engagement().start_review_cycle(REVIEWER, "annual")
    with pytest.raises(WrongState):
        submitted_engagement().start_review_cycle(REVIEWER, "annual")
    rejected = judged_engagement()
    rejected.decide(REVIEWER, outcome="rejected", comment="否認", decided_on=date(2026, 4, 1))
    with pytest.raises(WrongState):
        rejected.start_review_cycle(REVIEWER, "annual")
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "annual")
    with pytest.raises(WrongState):
        eng.start_review_cycle(REVIEWER, "annual")


def test_system_actor_may_start_a_review_cycle():
    eng = monitoring_engagement()
    eng.start_review_cycle(SYSTEM_ACTOR, "annual")
    assert eng.cycle["started_by"] == {"id": "system", "name": "システム", "org": "システム", "org_id": "system"}
    assert eng.cycle["started_at"] is not None


@pytest.mark.parametrize("actor", [CONNECTOR, AUDITOR, LIAISON])
def test_connector_cannot_start_a_review_cycle(actor):
    eng = monitoring_engagement()
    with pytest.raises(RoleNotAllowed):
        eng.start_review_cycle(actor, "annual")


def test_earlier_cycle_results_stay_readable():
    eng = submitted_engagement()
    answer(eng, 5, REVIEWER, current_state="銀行側の対応")
    judge_all(eng)
    eng.judge_item(REVIEWER, 2, "compensated", "代替策あり")
    eng.decide(REVIEWER, outcome="approved", comment="初回承認", decided_on=date(2026, 4, 1))
    first_answers = {n: dict(eng.item(n)["answer"]) for n in [1, 2, 3, 4, 5]}
    first_judgements = {n: dict(eng.item(n)["judgement"]) for n in ALL_ITEMS}

    eng.start_review_cycle(REVIEWER, "item_changed", items=[1, 2, 5])
    answer(eng, 1, current_state="二年目の回答")

    results = eng.cycles[-2]["results"]
    assert eng.cycles[-2]["number"] == 1
    assert results["decision"]["outcome"] == "approved"
    assert results["decision"]["comment"] == "初回承認"
    assert results["decision"]["decided_on"] == "2026-04-01"
    by_number = {entry["number"]: entry for entry in results["items"]}
    assert set(by_number) == set(ALL_ITEMS)
    for n in [1, 2, 3, 4, 5]:
        assert by_number[n]["answer"] == first_answers[n]
    assert by_number[6]["answer"] is None
    for n in ALL_ITEMS:
        assert by_number[n]["judgement"] == first_judgements[n]
    assert by_number[1]["answer"]["current_state"] == "対応済みです（項目1）"
    assert by_number[2]["judgement"]["verdict"] == "compensated"
    assert eng.item(1)["answer"]["current_state"] == "二年目の回答"
    assert eng.item(1)["answer"]["cycle"] == 2


def test_reopened_items_lose_their_judgement_and_others_keep_it():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "advisory", items=[2, 6])
    assert eng.item(2)["judgement"] is None
    assert eng.item(6)["judgement"] is None
    for n in [1, 3, 4, 5]:
        assert eng.item(n)["judgement"]["verdict"] == "satisfied"
        assert eng.item(n)["judgement"]["cycle"] == 1
    assert eng.unjudged() == [2, 6]


def test_answers_survive_into_the_new_cycle():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "annual")
    assert eng.item(1)["answer"]["cycle"] == 1
    assert eng.item(1)["answer"]["current_state"] == "対応済みです（項目1）"


def test_connector_edits_only_reopened_items_in_the_new_draft():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "item_changed", items=[1, 3])
    assert eng.connector_holds_pen(1) and eng.connector_holds_pen(3)
    assert not eng.connector_holds_pen(2) and not eng.connector_holds_pen(4)
    answer(eng, 1, current_state="更新")
    answer(eng, 3, current_state="更新")
    for n in (2, 4):
        with pytest.raises(PenNotHeld):
            answer(eng, n, current_state="更新")


def test_connector_cannot_change_an_item_outside_the_reopened_cycle_even_with_an_open_question():
    """Contract: the connector writes in draft or on a reopened cycle's items.

    An item that was not reopened keeps its earlier judgement and cannot be judged again in
    this cycle (``ItemNotInCycle``), so its answer must not change under that judgement:
    either the question on it is refused, or the connector's edit is (``PenNotHeld``).
    """
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "item_changed", items=[1])
    answer(eng, 1)
    eng.submit(CONNECTOR)
    try:
        eng.ask_question(REVIEWER, 2, "前回の回答について", "q1")
    except ItemNotInCycle:
        return
    with pytest.raises(PenNotHeld):
        answer(eng, 2, status="not_implemented", current_state="実は未対応")
    assert eng.item(2)["answer"]["status"] == "implemented"
    assert eng.item(2)["judgement"]["verdict"] == "satisfied"


def test_reviewer_answers_only_reopened_items_in_the_new_cycle():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "item_changed", items=[5])
    answer(eng, 5, REVIEWER, current_state="更新")
    with pytest.raises(ItemNotInCycle):
        answer(eng, 6, REVIEWER, current_state="更新")


def test_submit_in_a_later_cycle_requires_reopened_items_to_be_answered_again():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "item_changed", items=[1, 3, 5])
    assert eng.missing_answers() == [1, 3]
    with pytest.raises(AnswersMissing) as excinfo:
        eng.submit(CONNECTOR)
    assert excinfo.value.context["items"] == [1, 3]
    answer(eng, 1)  # an identical answer re-saved in cycle 2 counts
    with pytest.raises(AnswersMissing) as excinfo:
        eng.submit(CONNECTOR)
    assert excinfo.value.context["items"] == [3]
    answer(eng, 3)
    eng.submit(CONNECTOR)
    assert eng.state == "submitted"


def test_annual_cycle_requires_every_connector_and_common_item_again():
    eng = monitoring_engagement()
    eng.start_review_cycle(SYSTEM_ACTOR, "annual")
    with pytest.raises(AnswersMissing) as excinfo:
        eng.submit(CONNECTOR)
    assert excinfo.value.context["items"] == CONNECTOR_SIDE_ITEMS


def test_judgement_in_a_later_cycle_is_limited_to_reopened_items():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "item_changed", items=[1])
    answer(eng, 1)
    eng.submit(CONNECTOR)
    with pytest.raises(ItemNotInCycle):
        eng.judge_item(REVIEWER, 2, "unsatisfied", "再評価")
    eng.judge_item(REVIEWER, 1, "satisfied")
    assert eng.item(1)["judgement"]["cycle"] == 2
    eng.decide(REVIEWER, outcome="approved", comment="継続", decided_on=date(2027, 4, 1))
    assert eng.state == "monitoring"
    assert eng.next_review_on == "2028-04-01"
    assert eng.decision["cycle"] == 2


def test_second_decision_in_a_later_cycle_requires_the_reopened_items_judged():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "item_changed", items=[1, 5])
    answer(eng, 1)
    eng.submit(CONNECTOR)
    eng.judge_item(REVIEWER, 1, "satisfied")
    with pytest.raises(ItemsNotJudged) as excinfo:
        eng.decide(REVIEWER, outcome="approved", comment="継続", decided_on=date(2027, 4, 1))
    assert excinfo.value.context["items"] == [5]


def test_three_cycles_keep_each_earlier_cycle_readable():
    eng = monitoring_engagement()
    eng.start_review_cycle(SYSTEM_ACTOR, "annual")
    answer_connector_side(eng)
    eng.submit(CONNECTOR)
    judge_all(eng)
    eng.decide(REVIEWER, outcome="rejected", comment="二年目は否認", decided_on=date(2027, 4, 1))
    assert eng.state == "decided"
    assert [cycle["number"] for cycle in eng.cycles] == [1, 2]
    assert eng.cycles[0]["results"]["decision"]["outcome"] == "approved"
    assert eng.cycles[1]["results"] is None
    assert eng.decision["outcome"] == "rejected"
