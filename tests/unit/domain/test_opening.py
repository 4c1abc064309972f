"""Opening an engagement: who may open it, its title, the items dropped and added at opening,
the first cycle, and the actor and time every event records."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from service.domain.actors import SYSTEM_ACTOR, Actor
from service.domain.errors import (
    Invalid,
    RoleNotAllowed,
)
from tests.unit.domain.builders import (
    ADMIN,
    ALL_ITEMS,
    AUDITOR,
    BANK,
    CONNECTOR,
    CONNECTOR_ORG,
    LIAISON,
    OTHER_BANK_REVIEWER,
    REVIEWER,
    events_of,
    judge_all,
    open_engagement,
    submitted_engagement,
)


def test_reviewer_of_its_own_bank_opens_an_engagement_in_draft():
    eng = open_engagement()
    assert eng.state == "draft"
    assert eng.bank == BANK
    assert eng.connector == CONNECTOR_ORG
    assert eng.edition == "test-edition"
    assert [item["number"] for item in eng.items] == ALL_ITEMS
    assert [item["party"] for item in eng.items] == ["connector", "connector", "common", "common", "bank", "bank"]
    assert all(item["answer"] is None and item["judgement"] is None for item in eng.items)
    assert eng.questions == [] and eng.advisories == []
    assert eng.decision is None and eng.next_review_on is None and eng.withdrawal is None


def test_opened_items_carry_category_and_objective_from_the_edition():
    eng = open_engagement()
    assert eng.item(1)["category"] == "体制整備"
    assert eng.item(5)["category"] == "不正アクセス防止"
    assert eng.item(4)["objective"] == "セキュリティ対応目標 4"
    assert eng.item(4)["custom"] is False


@pytest.mark.parametrize("actor", [CONNECTOR, AUDITOR, LIAISON, ADMIN, SYSTEM_ACTOR])
def test_only_a_reviewer_opens_an_engagement(actor):
    with pytest.raises(RoleNotAllowed):
        open_engagement(actor)


def test_reviewer_cannot_open_an_engagement_for_another_bank():
    with pytest.raises(RoleNotAllowed):
        open_engagement(OTHER_BANK_REVIEWER)


@pytest.mark.parametrize("title", ["", "   ", None])
def test_title_is_required_to_open(title):
    with pytest.raises(Invalid) as excinfo:
        open_engagement(title=title)
    assert excinfo.value.context["field"] == "title"


def test_title_longer_than_200_characters_is_refused():
    with pytest.raises(Invalid):
        open_engagement(title="題" * 201)
    assert open_engagement(title="題" * 200).title == "題" * 200


def test_dropped_items_are_marked_with_reason_and_actor():
    eng = open_engagement(dropped_items=[{"number": 6, "reason": "当行では該当なし"}])
    dropped = eng.item(6)["dropped"]
    assert dropped["reason"] == "当行では該当なし"
    assert dropped["by"] == {"id": "u-rev", "name": "審査 太郎", "org": "第一銀行", "org_id": "B1"}
    assert dropped["at"] == eng.opened_at
    assert eng.active_numbers() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("number", [0, 7, 45, "1", None, True, 1.0])
def test_dropped_item_needs_a_known_item_number(number):
    with pytest.raises(Invalid):
        open_engagement(dropped_items=[{"number": number, "reason": "不要"}])


def test_dropped_item_entry_must_be_an_object():
    with pytest.raises(Invalid):
        open_engagement(dropped_items=[6])


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_dropped_item_needs_a_reason(reason):
    with pytest.raises(Invalid):
        open_engagement(dropped_items=[{"number": 6, "reason": reason}])


def test_dropped_item_cannot_be_listed_twice():
    with pytest.raises(Invalid):
        open_engagement(dropped_items=[{"number": 6, "reason": "a"}, {"number": 6, "reason": "b"}])


def test_cannot_drop_every_item():
    with pytest.raises(Invalid) as excinfo:
        open_engagement(dropped_items=[{"number": n, "reason": "不要"} for n in ALL_ITEMS])
    assert excinfo.value.context["field"] == "dropped_items"


def test_dropping_every_catalogue_item_is_allowed_when_a_custom_item_remains():
    eng = open_engagement(
        dropped_items=[{"number": n, "reason": "不要"} for n in ALL_ITEMS],
        custom_items=[{"objective": "独自の確認", "party": "connector"}],
    )
    assert eng.active_numbers() == [45]
    assert eng.cycle["items"] == [45]


def test_custom_items_get_numbers_from_45_in_order():
    eng = open_engagement(
        custom_items=[
            {"objective": "独自A", "party": "connector"},
            {"objective": "独自B", "party": "bank", "category": "当行独自"},
            {"objective": "独自C", "party": "common"},
        ]
    )
    customs = [item for item in eng.items if item["custom"]]
    assert [item["number"] for item in customs] == [45, 46, 47]
    assert [item["party"] for item in customs] == ["connector", "bank", "common"]
    assert customs[0]["category"] == "金融機関独自項目"
    assert customs[1]["category"] == "当行独自"
    assert customs[1]["objective"] == "独自B"
    assert eng.item(46)["custom"] is True


@pytest.mark.parametrize("party", [None, "", "fisc", "API接続先", "Connector"])
def test_custom_item_needs_a_valid_party(party):
    with pytest.raises(Invalid):
        open_engagement(custom_items=[{"objective": "独自", "party": party}])


@pytest.mark.parametrize("objective", [None, "", "  ", "x" * 2001])
def test_custom_item_needs_an_objective_of_reasonable_length(objective):
    with pytest.raises(Invalid):
        open_engagement(custom_items=[{"objective": objective, "party": "bank"}])


def test_custom_item_entry_must_be_an_object():
    with pytest.raises(Invalid):
        open_engagement(custom_items=["独自"])


def test_first_cycle_is_initial_and_covers_exactly_the_non_dropped_items():
    eng = open_engagement(
        dropped_items=[{"number": 2, "reason": "不要"}, {"number": 5, "reason": "不要"}],
        custom_items=[{"objective": "独自", "party": "common"}],
    )
    assert len(eng.cycles) == 1
    cycle = eng.cycle
    assert cycle["number"] == 1
    assert cycle["reason"] == "initial"
    assert cycle["items"] == [1, 3, 4, 6, 45]
    assert cycle["results"] is None
    assert cycle["started_by"]["id"] == "u-rev"


def test_opening_records_actor_and_timestamp_on_the_event():
    eng = open_engagement()
    (opened,) = events_of(eng)
    assert type(opened).__name__ == "Opened"
    assert opened.actor == REVIEWER.as_record()
    assert isinstance(opened.timestamp, datetime) and opened.timestamp.tzinfo is not None
    assert eng.opened_at == opened.timestamp.isoformat()
    assert eng.opened_by == {"id": "u-rev", "name": "審査 太郎", "org": "第一銀行", "org_id": "B1"}
    assert eng.version == 1


def test_an_actor_record_holds_every_field_and_round_trips():
    record = REVIEWER.as_record()
    assert set(record) == {field.name for field in dataclasses.fields(Actor)} and record["role"] == "reviewer"
    assert Actor.from_record(record) == REVIEWER


def test_every_event_records_the_acting_actor_and_a_timestamp():
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "詳細を教えてください", "q1")
    eng.post_reply(CONNECTOR, "q1", "回答します")
    eng.close_question(REVIEWER, "q1")
    judge_all(eng)
    eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1))
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    eng.acknowledge_advisory(CONNECTOR, "a1", "確認しました")
    eng.start_review_cycle(SYSTEM_ACTOR, "annual")
    eng.withdraw(CONNECTOR, "接続終了")
    events = events_of(eng)
    assert len(events) == eng.version
    for domain_event in events:
        assert isinstance(domain_event.actor, dict)
        assert set(domain_event.actor) == {"id", "name", "org_id", "org_name", "role"}
        assert isinstance(domain_event.timestamp, datetime) and domain_event.timestamp.tzinfo is not None
    roles = [domain_event.actor["role"] for domain_event in events]
    assert roles[0] == "reviewer"
    assert "system" in roles and "connector" in roles
    timestamps = [domain_event.timestamp for domain_event in events]
    assert timestamps == sorted(timestamps)
