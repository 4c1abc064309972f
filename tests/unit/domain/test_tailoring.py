"""Tailoring the checklist in the first draft: the reviewer drops items and adds custom ones,
until the connector submits and never in a later cycle."""

from __future__ import annotations

import pytest

from service.domain.errors import (
    Invalid,
    ItemIsDropped,
    ItemNotFound,
    RoleNotAllowed,
    WrongState,
)
from tests.unit.domain.builders import (
    CONNECTOR,
    REVIEWER,
    monitoring_engagement,
    open_engagement,
    submitted_engagement,
)


def test_reviewer_drops_an_item_in_the_first_draft():
    eng = open_engagement()
    eng.drop_item(REVIEWER, 6, "該当なし")
    assert eng.item(6)["dropped"]["reason"] == "該当なし"
    assert 6 not in eng.cycle["items"]
    assert 6 not in eng.active_numbers()


def test_dropping_the_last_remaining_item_is_refused():
    eng = open_engagement(dropped_items=[{"number": n, "reason": "不要"} for n in [1, 2, 3, 4, 5]])
    with pytest.raises(Invalid):
        eng.drop_item(REVIEWER, 6, "不要")


def test_dropping_needs_a_reason_and_an_active_item():
    eng = open_engagement(dropped_items=[{"number": 6, "reason": "不要"}])
    with pytest.raises(Invalid):
        eng.drop_item(REVIEWER, 5, " ")
    with pytest.raises(ItemIsDropped):
        eng.drop_item(REVIEWER, 6, "二度目")
    with pytest.raises(ItemNotFound):
        eng.drop_item(REVIEWER, 99, "不明")


def test_connector_cannot_drop_an_item():
    with pytest.raises(RoleNotAllowed):
        open_engagement().drop_item(CONNECTOR, 6, "不要")


def test_items_cannot_be_dropped_after_submission():
    with pytest.raises(WrongState):
        submitted_engagement().drop_item(REVIEWER, 6, "不要")


def test_reviewer_adds_a_custom_item_in_the_first_draft():
    eng = open_engagement()
    number = eng.add_custom_item(REVIEWER, "独自の確認", "connector")
    assert number == 45
    assert eng.item(45)["custom"] is True
    assert 45 in eng.cycle["items"]
    assert eng.add_custom_item(REVIEWER, "独自の確認2", "bank", "当行独自") == 46
    with pytest.raises(Invalid):
        eng.add_custom_item(REVIEWER, "独自", "nobody")


def test_custom_items_cannot_be_added_after_submission_or_by_the_connector():
    with pytest.raises(RoleNotAllowed):
        open_engagement().add_custom_item(CONNECTOR, "独自", "bank")
    with pytest.raises(WrongState):
        submitted_engagement().add_custom_item(REVIEWER, "独自", "bank")


def test_items_cannot_be_tailored_in_a_later_cycle_draft():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "annual")
    assert eng.state == "draft"
    with pytest.raises(WrongState):
        eng.drop_item(REVIEWER, 6, "不要")
    with pytest.raises(WrongState):
        eng.add_custom_item(REVIEWER, "独自", "bank")
