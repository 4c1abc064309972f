"""Tailoring the checklist until the decision, in any cycle: the reviewer drops items (with a
reason), restores them, and adds custom ones with the fields of a catalogue item."""

from __future__ import annotations

import pytest

from service.domain.errors import (
    Invalid,
    ItemIsDropped,
    ItemNotDropped,
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


def test_items_can_be_dropped_and_restored_until_the_decision():
    eng = submitted_engagement()
    eng.drop_item(REVIEWER, 6, "リスクが低いため対象外")
    assert 6 not in eng.cycle["items"] and eng.item(6)["dropped"]["reason"] == "リスクが低いため対象外"
    eng.restore_item(REVIEWER, 6)
    assert eng.item(6)["dropped"] is None and 6 in eng.cycle["items"]
    with pytest.raises(ItemNotDropped):
        eng.restore_item(REVIEWER, 6)


def test_tailoring_ends_with_the_decision():
    eng = monitoring_engagement()
    with pytest.raises(WrongState):
        eng.drop_item(REVIEWER, 6, "不要")
    with pytest.raises(WrongState):
        eng.add_custom_item(REVIEWER, objective="独自", party="bank")


def test_an_item_a_revision_removed_cannot_be_restored():
    eng = open_engagement()
    eng.items[5]["dropped"] = {"reason": "改訂で削除", "revision": True}  # as EditionAdopted leaves it
    with pytest.raises(WrongState):
        eng.restore_item(REVIEWER, eng.items[5]["number"])


def test_the_connector_cannot_restore_an_item():
    eng = open_engagement(dropped_items=[{"number": 6, "reason": "不要"}])
    with pytest.raises(RoleNotAllowed):
        eng.restore_item(CONNECTOR, 6)


def test_reviewer_adds_a_custom_item_in_the_first_draft():
    eng = open_engagement()
    number = eng.add_custom_item(REVIEWER, objective="独自の確認", party="connector")
    assert number == 45
    assert eng.item(45)["custom"] is True
    assert 45 in eng.cycle["items"]
    assert eng.add_custom_item(REVIEWER, objective="独自の確認2", party="bank", category="当行独自") == 46
    with pytest.raises(Invalid):
        eng.add_custom_item(REVIEWER, objective="独自", party="nobody")


def test_a_custom_item_carries_the_fields_of_a_catalogue_item():
    eng = submitted_engagement()
    number = eng.add_custom_item(
        REVIEWER,
        objective="鍵管理の点検を年1回実施する。",
        party="common",
        category="当行独自",
        explanation="暗号鍵の保管と更新の手順を点検する。",
        methods=[{"group": "＜手順＞", "text": "点検記録を保管する"}, {"group": "＜手順＞", "text": "鍵を年1回更新する"}],
        references=[{"source": "安全対策基準", "location": "実3"}],
    )
    item = eng.item(number)
    assert item["explanation"] == "暗号鍵の保管と更新の手順を点検する。"
    assert item["methods"][1] == {"group": "＜手順＞", "text": "鍵を年1回更新する"}
    assert item["references"] == [{"source": "安全対策基準", "location": "実3"}]
    assert number in eng.cycle["items"] and eng.item(number)["answers"] == {"connector": None, "bank": None}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"methods": "手法"}, "custom_item.methods"),
        ({"methods": [{"group": "＜a＞"}]}, "custom_item.methods[0].text"),
        ({"references": [{"source": "x", "location": " "}]}, "custom_item.references[0].location"),
        ({"methods": [{"text": "x"}] * 51}, "custom_item.methods"),
        ({"explanation": "x" * 20_001}, "custom_item.explanation"),
    ],
)
def test_a_custom_items_fields_are_checked(fields, field):
    with pytest.raises(Invalid) as refused:
        open_engagement().add_custom_item(REVIEWER, objective="独自", party="bank", **fields)
    assert refused.value.context["field"] == field


def test_custom_items_are_added_by_the_reviewer_only():
    with pytest.raises(RoleNotAllowed):
        open_engagement().add_custom_item(CONNECTOR, objective="独自", party="bank")


def test_items_can_be_tailored_in_a_later_cycle_before_its_decision():
    eng = monitoring_engagement()
    eng.start_review_cycle(REVIEWER, "annual")
    assert eng.state == "draft"
    eng.drop_item(REVIEWER, 6, "今年度は対象外")
    number = eng.add_custom_item(REVIEWER, objective="新たな独自確認", party="bank")
    assert number in eng.cycle["items"] and 6 not in eng.cycle["items"]
