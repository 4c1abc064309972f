"""The monitoring plan, agreed by both sides (解説書 §3): how often and how deeply monitoring
reviews again; the next date follows it from the last decision, and the annual cycle reviews
what its depth says."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import Invalid, PlanNeedsOtherSide, PlanNotProposed, RoleNotAllowed
from service.domain.monitoring import months_later
from tests.unit.domain.builders import (
    AUDITOR,
    CONNECTOR,
    REVIEWER,
    answer,
    judged_engagement,
    monitoring_engagement,
    open_engagement,
)


def test_one_side_proposes_and_the_other_agrees():
    eng = monitoring_engagement()
    eng.propose_monitoring_plan(CONNECTOR, frequency_months=6, depth="selected_items", items=[2, 1], note="半期ごと")
    plan = eng.monitoring_plan
    assert plan["status"] == "proposed" and plan["items"] == [1, 2] and plan["proposed_by"]["side"] == "connector"
    with pytest.raises(PlanNeedsOtherSide):
        eng.agree_monitoring_plan(CONNECTOR)
    eng.agree_monitoring_plan(REVIEWER)
    assert eng.monitoring_plan["status"] == "agreed" and eng.monitoring_plan["agreed_by"]["id"] == "u-rev"
    decided_on = date.fromisoformat(eng.decision["decided_on"])
    assert eng.next_review_on == months_later(decided_on, 6).isoformat()


def test_a_decision_after_an_agreed_plan_follows_its_interval():
    eng = judged_engagement()
    eng.propose_monitoring_plan(REVIEWER, frequency_months=3, depth="full")
    eng.agree_monitoring_plan(CONNECTOR)
    eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2027, 1, 31))
    assert eng.next_review_on == "2027-04-30"  # the month's last day where it has no 31st


def test_without_an_agreed_plan_a_year_as_before():
    eng = judged_engagement()
    eng.propose_monitoring_plan(REVIEWER, frequency_months=3, depth="full")  # proposed only
    eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2027, 1, 31))
    assert eng.next_review_on == "2028-01-31"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"frequency_months": 0, "depth": "full"}, "frequency_months"),
        ({"frequency_months": 37, "depth": "full"}, "frequency_months"),
        ({"frequency_months": True, "depth": "full"}, "frequency_months"),
        ({"frequency_months": 6, "depth": "sometimes"}, "depth"),
        ({"frequency_months": 6, "depth": "selected_items", "items": []}, "items"),
        ({"frequency_months": 6, "depth": "selected_items", "items": [99]}, "items"),
    ],
)
def test_a_wrong_plan_is_refused(fields, field):
    with pytest.raises(Invalid) as refused:
        monitoring_engagement().propose_monitoring_plan(REVIEWER, **fields)
    assert refused.value.context["field"] == field


def test_nothing_to_agree_and_readers_do_not_plan():
    with pytest.raises(PlanNotProposed):
        monitoring_engagement().agree_monitoring_plan(REVIEWER)
    with pytest.raises(RoleNotAllowed):
        open_engagement().propose_monitoring_plan(AUDITOR, frequency_months=6, depth="full")


@pytest.mark.parametrize(("depth", "items", "expected"), [("full", [], "all"), ("selected_items", [2, 3], [2, 3])])
def test_the_annual_cycle_reviews_what_the_plan_says(depth, items, expected):
    eng = monitoring_engagement()
    eng.propose_monitoring_plan(REVIEWER, frequency_months=12, depth=depth, items=items)
    eng.agree_monitoring_plan(CONNECTOR)
    eng.start_review_cycle(REVIEWER, "annual")
    assert eng.cycle["items"] == (eng.active_numbers() if expected == "all" else expected)


def test_changed_items_reviews_what_changed_since_the_last_decision():
    eng = monitoring_engagement()
    eng.propose_monitoring_plan(REVIEWER, frequency_months=12, depth="changed_items")
    eng.agree_monitoring_plan(CONNECTOR)
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a-1", title="注意喚起", items=[3], respond_by=None)
    eng.start_review_cycle(REVIEWER, "annual", changed_elsewhere=[5])  # item 5: the connector's library answer changed
    assert eng.cycle["items"] == [3, 5]
