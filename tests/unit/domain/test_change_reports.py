"""A connector's change report: who may make one, what it names, and the cycle it opens on an
engagement in monitoring (exactly the reported items it reviews, the connector's pen)."""

from __future__ import annotations

import pytest

from service.domain.change_report import ChangeReport
from service.domain.errors import Invalid, RoleNotAllowed, WrongState
from tests.unit.domain.builders import ALL_ITEMS, CONNECTOR, CONNECTOR_ORG, REVIEWER, monitoring_engagement, open_engagement


def report(**overrides):
    fields = {"connector": CONNECTOR_ORG, "items": [2, 1, 2], "summary": "クラウド事業者の変更", "effective_on": "2027-01-15"}
    fields.update(overrides)
    return ChangeReport.report(CONNECTOR, known_items=set(ALL_ITEMS), **fields)


def test_a_report_names_sorted_items_a_summary_and_a_date():
    made = report()
    assert made.items == [1, 2] and made.summary == "クラウド事業者の変更" and made.effective_on == "2027-01-15"
    assert made.reported_by["name"] == CONNECTOR.name


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"items": []}, "items"), ({"items": [999]}, "items"), ({"items": "1,2"}, "items"), ({"summary": " "}, "summary"), ({"effective_on": "明日"}, "effective_on")],
)
def test_a_wrong_report_is_refused(overrides, field):
    with pytest.raises(Invalid) as refused:
        report(**overrides)
    assert refused.value.context["field"] == field


def test_only_the_connectors_own_staff_report():
    with pytest.raises(RoleNotAllowed):
        ChangeReport.report(REVIEWER, connector=CONNECTOR_ORG, items=[1], summary="x", effective_on="2027-01-01", known_items={1})
    with pytest.raises(RoleNotAllowed):
        report(connector={"id": "someone-else", "name": "他社"})


def test_it_opens_a_cycle_for_exactly_the_reported_items_the_engagement_reviews():
    eng = monitoring_engagement()
    opened = eng.report_change(CONNECTOR, report_id="r-1", items=[1, 2, 999], summary="変更")
    assert opened == [1, 2]
    assert eng.state == "draft" and eng.cycle["reason"] == "change_reported" and eng.cycle["items"] == [1, 2]
    assert eng.cycle["change_report"] == "r-1" and eng.cycle["note"] == "変更"
    assert eng.connector_holds_pen(1) and not eng.connector_holds_pen(3)


def test_it_reaches_only_an_engagement_in_monitoring():
    with pytest.raises(WrongState):
        open_engagement().report_change(CONNECTOR, report_id="r-1", items=[1], summary="変更")
    with pytest.raises(RoleNotAllowed):
        monitoring_engagement().report_change(REVIEWER, report_id="r-1", items=[1], summary="変更")


def test_a_reviewer_cannot_start_a_change_reported_cycle_by_hand():
    with pytest.raises(Invalid):
        monitoring_engagement().start_review_cycle(REVIEWER, "change_reported", [1])
