"""Rules of the ``Engagement`` aggregate, exercised purely in memory (no event store).

A small synthetic edition keeps the tests independent of the bundled catalogue:

====== ========= ========
number party     chapter
====== ========= ========
1      connector 1
2      connector 1
3      common    1
4      common    2
5      bank      2
6      bank      2
====== ========= ========
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, datetime
from typing import Any

import pytest

from service.domain.actors import SYSTEM_ACTOR, Actor
from service.domain.checklist import Category, CheckItem, Edition, Method, Party, Reference
from service.domain.codes import Role, State
from service.domain.answers import answer_gaps
from service.domain.engagement import Engagement
from service.domain.engagement_review import one_year_later
from service.domain.errors import (
    AdvisoryAlreadyNoticed,
    AdvisoryNotFound,
    AlreadyAcknowledged,
    AnswersMissing,
    ConditionAlreadyFulfilled,
    ConditionNotFound,
    DomainError,
    Invalid,
    ItemIsDropped,
    ItemNotFound,
    ItemNotInCycle,
    ItemsNotJudged,
    NotPartyOfItem,
    PenNotHeld,
    QuestionClosed,
    QuestionNotFound,
    QuestionsOpen,
    RoleNotAllowed,
    WrongState,
)

# --------------------------------------------------------------------------- fixtures

PARTIES = {
    1: Party.CONNECTOR,
    2: Party.CONNECTOR,
    3: Party.COMMON,
    4: Party.COMMON,
    5: Party.BANK,
    6: Party.BANK,
}
CONNECTOR_ITEMS = [1, 2]
COMMON_ITEMS = [3, 4]
BANK_ITEMS = [5, 6]
CONNECTOR_SIDE_ITEMS = CONNECTOR_ITEMS + COMMON_ITEMS
ALL_ITEMS = [1, 2, 3, 4, 5, 6]

CATEGORIES = (
    Category(chapter=1, name="体制整備", purpose="体制を整備する", numbers=(1, 2, 3)),
    Category(chapter=2, name="不正アクセス防止", purpose="不正アクセスを防止する", numbers=(4, 5, 6)),
)


def _category_of(number: int) -> Category:
    return next(category for category in CATEGORIES if number in category.numbers)


EDITION = Edition(
    id="test-edition",
    title="API接続チェックリスト（試験用）",
    published="2019-03",
    categories=CATEGORIES,
    items=tuple(
        CheckItem(
            number=number,
            chapter=_category_of(number).chapter,
            category=_category_of(number).name,
            party=party,
            objective=f"セキュリティ対応目標 {number}",
            explanation=f"解説 {number}",
            methods=(Method(group="<手法>", text=f"手法例 {number}"),),
            notes=(),
            references=(Reference(source="安全対策基準", location=f"統{number}"),),
        )
        for number, party in PARTIES.items()
    ),
)

BANK = {"id": "B1", "name": "第一銀行"}
CONNECTOR_ORG = {"id": "C1", "name": "フィンテック株式会社"}

REVIEWER = Actor(id="u-rev", name="審査 太郎", org_id="B1", org_name="第一銀行", role=Role.REVIEWER)
OTHER_BANK_REVIEWER = Actor(id="u-rev2", name="他行 花子", org_id="B2", org_name="第二銀行", role=Role.REVIEWER)
CONNECTOR = Actor(id="u-con", name="接続 次郎", org_id="C1", org_name="フィンテック株式会社", role=Role.CONNECTOR)
AUDITOR = Actor(id="u-aud", name="監査 三郎", org_id="B1", org_name="第一銀行", role=Role.AUDITOR)
LIAISON = Actor(id="u-fisc", name="連絡 四郎", org_id="F1", org_name="FISC", role=Role.LIAISON)
ADMIN = Actor(id="u-adm", name="管理 五郎", org_id="B1", org_name="第一銀行", role=Role.ADMIN)


def open_engagement(actor: Actor = REVIEWER, **overrides: Any) -> Engagement:
    kwargs: dict[str, Any] = {
        "bank": BANK,
        "connector": CONNECTOR_ORG,
        "title": "フィンテック株式会社 API接続審査",
        "edition": EDITION,
    }
    kwargs.update(overrides)
    return Engagement.open(actor, **kwargs)


def answer(eng: Engagement, number: int, actor: Actor = CONNECTOR, **fields: Any) -> None:
    values = {"status": "implemented", "current_state": f"対応済みです（項目{number}）"}
    values.update(fields)
    eng.save_answer(actor, number, **values)


def answer_connector_side(eng: Engagement, numbers: list[int] | None = None) -> None:
    for number in numbers if numbers is not None else CONNECTOR_SIDE_ITEMS:
        answer(eng, number)


def submitted_engagement(**overrides: Any) -> Engagement:
    eng = open_engagement(**overrides)
    answer_connector_side(eng, [n for n in eng.cycle["items"] if eng.item(n)["party"] != "bank"])
    eng.submit(CONNECTOR)
    return eng


def judge_all(eng: Engagement, verdict: str = "satisfied", comment: str = "") -> None:
    for number in eng.cycle["items"]:
        eng.judge_item(REVIEWER, number, verdict, comment)


def judged_engagement(**overrides: Any) -> Engagement:
    eng = submitted_engagement(**overrides)
    judge_all(eng)
    return eng


def monitoring_engagement(decided_on: date = date(2026, 4, 1), **overrides: Any) -> Engagement:
    eng = judged_engagement(**overrides)
    eng.decide(REVIEWER, outcome="approved", comment="総合的に判断して承認", decided_on=decided_on)
    return eng


def condition(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"text": "多要素認証を導入すること", "items": [1], "due_on": "2026-10-01"}
    value.update(overrides)
    return value


def events_of(eng: Engagement) -> list[Any]:
    return list(eng.pending_events)


def state_of(eng: Engagement) -> dict[str, Any]:
    return {key: value for key, value in vars(eng).items() if key != "_pending_events"}


def replay(events: list[Any]) -> Engagement:
    aggregate = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    assert aggregate is not None
    return aggregate


# --------------------------------------------------------------------------- opening


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


# --------------------------------------------------------------------------- tailoring in the first draft


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


# --------------------------------------------------------------------------- answers


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
    assert eng.item(number)["answer"]["by"]["id"] == "u-rev"


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
    answer(eng, 4, REVIEWER)  # a common item answered by the bank counts
    with pytest.raises(AnswersMissing) as excinfo:
        eng.submit(CONNECTOR)
    assert excinfo.value.context["items"] == [1, 3]
    assert eng.missing_answers() == [1, 3]
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


# --------------------------------------------------------------------------- questions


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


# --------------------------------------------------------------------------- judgement


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
    assert one_year_later(date(2028, 2, 29)) == date(2029, 2, 28)
    assert one_year_later(date(2028, 2, 28)) == date(2029, 2, 28)
    assert one_year_later(date(2026, 12, 31)) == date(2027, 12, 31)


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


# --------------------------------------------------------------------------- review cycles


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


# --------------------------------------------------------------------------- advisories


@pytest.mark.parametrize("actor", [SYSTEM_ACTOR, LIAISON])
def test_system_or_liaison_notices_an_advisory(actor):
    eng = monitoring_engagement()
    eng.notice_advisory(actor, advisory_id="a1", title="脆弱性情報", items=[1, 3], respond_by="2026-05-01")
    advisory = eng.advisory("a1")
    assert advisory["title"] == "脆弱性情報"
    assert advisory["items"] == [1, 3]
    assert advisory["respond_by"] == "2026-05-01"
    assert advisory["noticed_at"] is not None
    assert advisory["acknowledgement"] is None
    assert eng.has_advisory("a1")
    assert not eng.has_advisory("a2")


def test_same_advisory_cannot_be_noticed_twice():
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    with pytest.raises(AdvisoryAlreadyNoticed):
        eng.notice_advisory(LIAISON, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    assert len(eng.advisories) == 1


@pytest.mark.parametrize("actor", [REVIEWER, CONNECTOR, AUDITOR, ADMIN])
def test_only_system_or_liaison_notices_an_advisory(actor):
    eng = monitoring_engagement()
    with pytest.raises(RoleNotAllowed):
        eng.notice_advisory(actor, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)


def test_connector_acknowledges_an_advisory_once():
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    eng.acknowledge_advisory(CONNECTOR, "a1", "対応済みです")
    acknowledgement = eng.advisory("a1")["acknowledgement"]
    assert acknowledgement["text"] == "対応済みです"
    assert acknowledgement["by"]["id"] == "u-con"
    assert acknowledgement["at"] is not None
    with pytest.raises(AlreadyAcknowledged):
        eng.acknowledge_advisory(CONNECTOR, "a1", "再度")


def test_acknowledgement_needs_text():
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    with pytest.raises(Invalid):
        eng.acknowledge_advisory(CONNECTOR, "a1", "")


@pytest.mark.parametrize("actor", [REVIEWER, AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_reviewer_cannot_acknowledge_an_advisory(actor):
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    with pytest.raises(RoleNotAllowed):
        eng.acknowledge_advisory(actor, "a1", "確認")


def test_unknown_advisory_is_not_found():
    eng = monitoring_engagement()
    with pytest.raises(AdvisoryNotFound):
        eng.acknowledge_advisory(CONNECTOR, "nope", "確認")
    with pytest.raises(AdvisoryNotFound):
        eng.advisory("nope")


def test_advisory_may_be_noticed_in_any_state_before_withdrawal():
    eng = open_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    eng.acknowledge_advisory(CONNECTOR, "a1", "確認")
    assert eng.advisory("a1")["acknowledgement"]["text"] == "確認"


# --------------------------------------------------------------------------- withdrawal


@pytest.mark.parametrize("actor", [REVIEWER, CONNECTOR])
def test_either_side_withdraws_with_a_reason(actor):
    eng = submitted_engagement()
    eng.withdraw(actor, "申請取下げ")
    assert eng.state == "withdrawn"
    assert eng.withdrawal["reason"] == "申請取下げ"
    assert eng.withdrawal["from_state"] == "submitted"
    assert eng.withdrawal["by"]["id"] == actor.id
    assert eng.withdrawal["at"] is not None


def test_withdrawal_needs_a_reason():
    eng = open_engagement()
    with pytest.raises(Invalid):
        eng.withdraw(REVIEWER, "  ")
    assert eng.state == "draft"


@pytest.mark.parametrize("actor", [AUDITOR, LIAISON, SYSTEM_ACTOR, ADMIN])
def test_only_reviewer_or_connector_withdraws(actor):
    with pytest.raises(RoleNotAllowed):
        open_engagement().withdraw(actor, "理由")


@pytest.mark.parametrize("setup", ["draft", "under_review", "monitoring", "decided"])
def test_withdrawal_is_possible_from_any_live_state(setup):
    if setup == "draft":
        eng = open_engagement()
    elif setup == "under_review":
        eng = judged_engagement()
    elif setup == "monitoring":
        eng = monitoring_engagement()
    else:
        eng = judged_engagement()
        eng.decide(REVIEWER, outcome="rejected", comment="否認", decided_on=date(2026, 4, 1))
    eng.withdraw(CONNECTOR, "接続終了")
    assert eng.state == "withdrawn"
    assert eng.withdrawal["from_state"] == setup


def withdrawn_engagement() -> Engagement:
    eng = submitted_engagement()
    eng.ask_question(REVIEWER, 1, "質問", "q1")
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    eng.withdraw(REVIEWER, "申請取下げ")
    return eng


WITHDRAWN_COMMANDS = {
    "connector_answers": lambda eng: answer(eng, 1, CONNECTOR),
    "reviewer_answers": lambda eng: answer(eng, 5, REVIEWER),
    "submit": lambda eng: eng.submit(CONNECTOR),
    "ask_question": lambda eng: eng.ask_question(REVIEWER, 2, "質問", "q2"),
    "reply": lambda eng: eng.post_reply(CONNECTOR, "q1", "返信"),
    "close_question": lambda eng: eng.close_question(REVIEWER, "q1"),
    "judge": lambda eng: eng.judge_item(REVIEWER, 1, "satisfied"),
    "decide": lambda eng: eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1)),
    "fulfil_condition": lambda eng: eng.fulfil_condition(REVIEWER, "1-1"),
    "start_review_cycle": lambda eng: eng.start_review_cycle(SYSTEM_ACTOR, "annual"),
    "notice_advisory": lambda eng: eng.notice_advisory(
        SYSTEM_ACTOR, advisory_id="a2", title="注意喚起", items=[1], respond_by=None
    ),
    "acknowledge_advisory": lambda eng: eng.acknowledge_advisory(CONNECTOR, "a1", "確認"),
    "withdraw_again": lambda eng: eng.withdraw(CONNECTOR, "再度"),
    "drop_item": lambda eng: eng.drop_item(REVIEWER, 6, "不要"),
    "add_custom_item": lambda eng: eng.add_custom_item(REVIEWER, "独自", "bank"),
}


@pytest.mark.parametrize("command", list(WITHDRAWN_COMMANDS), ids=list(WITHDRAWN_COMMANDS))
def test_every_command_is_refused_after_withdrawal(command):
    eng = withdrawn_engagement()
    version = eng.version
    with pytest.raises(WrongState):
        WITHDRAWN_COMMANDS[command](eng)
    assert eng.version == version
    assert eng.state == "withdrawn"


WRONG_ROLE_COMMANDS = {
    "auditor_answers": lambda eng: answer(eng, 5, AUDITOR),
    "reviewer_submits": lambda eng: eng.submit(REVIEWER),
    "connector_asks": lambda eng: eng.ask_question(CONNECTOR, 1, "質問", "q2"),
    "auditor_replies": lambda eng: eng.post_reply(AUDITOR, "q1", "返信"),
    "connector_closes": lambda eng: eng.close_question(CONNECTOR, "q1"),
    "connector_judges": lambda eng: eng.judge_item(CONNECTOR, 1, "satisfied"),
    "connector_decides": lambda eng: eng.decide(
        CONNECTOR, outcome="approved", comment="承認", decided_on=date(2026, 4, 1)
    ),
    "connector_fulfils": lambda eng: eng.fulfil_condition(CONNECTOR, "1-1"),
    "connector_starts_cycle": lambda eng: eng.start_review_cycle(CONNECTOR, "annual"),
    "reviewer_notices": lambda eng: eng.notice_advisory(
        REVIEWER, advisory_id="a2", title="t", items=[1], respond_by=None
    ),
    "reviewer_acknowledges": lambda eng: eng.acknowledge_advisory(REVIEWER, "a1", "確認"),
    "auditor_withdraws": lambda eng: eng.withdraw(AUDITOR, "理由"),
    "connector_drops": lambda eng: eng.drop_item(CONNECTOR, 6, "不要"),
}


@pytest.mark.parametrize("command", list(WRONG_ROLE_COMMANDS), ids=list(WRONG_ROLE_COMMANDS))
def test_role_error_comes_first_after_withdrawal(command):
    eng = withdrawn_engagement()
    with pytest.raises(RoleNotAllowed):
        WRONG_ROLE_COMMANDS[command](eng)


def test_withdrawn_engagement_keeps_its_record_readable():
    eng = withdrawn_engagement()
    assert eng.item(1)["answer"] is not None
    assert eng.question("q1")["open"] is True
    assert eng.advisory("a1")["title"] == "注意喚起"
    assert not eng.connector_holds_pen(1)


# --------------------------------------------------------------------------- replay


def full_history() -> Engagement:
    eng = open_engagement(
        dropped_items=[{"number": 6, "reason": "該当なし"}],
        custom_items=[{"objective": "独自の確認", "party": "common"}],
    )
    eng.add_custom_item(REVIEWER, "追加の独自項目", "bank")
    answer_connector_side(eng, [1, 2, 3, 4, 45])
    answer(eng, 5, REVIEWER)
    answer(eng, 46, REVIEWER)
    eng.submit(CONNECTOR)
    eng.ask_question(REVIEWER, 2, "根拠は？", "q1")
    eng.post_reply(CONNECTOR, "q1", "資料を添付")
    answer(eng, 2, current_state="更新しました")
    eng.close_question(REVIEWER, "q1")
    judge_all(eng)
    eng.judge_item(REVIEWER, 3, "unsatisfied", "未充足")
    eng.decide(
        REVIEWER,
        outcome="conditional",
        comment="条件付",
        decided_on=date(2028, 2, 29),
        conditions=[condition(items=[3], due_on="2028-09-30")],
    )
    eng.fulfil_condition(REVIEWER, "1-1", "確認済")
    eng.notice_advisory(LIAISON, advisory_id="a1", title="注意喚起", items=[3], respond_by="2028-06-01")
    eng.acknowledge_advisory(CONNECTOR, "a1", "確認しました")
    eng.start_review_cycle(REVIEWER, "advisory", items=[3], note="注意喚起対応")
    answer(eng, 3, current_state="改善しました")
    eng.submit(CONNECTOR)
    eng.judge_item(REVIEWER, 3, "satisfied")
    eng.decide(REVIEWER, outcome="approved", comment="改善を確認", decided_on=date(2028, 7, 1))
    eng.start_review_cycle(SYSTEM_ACTOR, "annual")
    eng.withdraw(CONNECTOR, "接続終了")
    return eng


def test_engagement_rebuilt_from_its_events_equals_the_original():
    eng = full_history()
    events = eng.collect_events()
    assert len(events) == eng.version
    rebuilt = replay(events)
    assert type(rebuilt) is Engagement
    assert state_of(rebuilt) == state_of(eng)
    assert rebuilt.id == eng.id
    assert rebuilt.version == eng.version
    assert rebuilt.state == State.WITHDRAWN.value


def test_every_intermediate_state_is_reproduced_by_replay():
    eng = open_engagement()
    snapshots = [copy.deepcopy(state_of(eng))]

    def step(command):
        command()
        snapshots.append(copy.deepcopy(state_of(eng)))

    step(lambda: answer_connector_side(eng))
    step(lambda: eng.submit(CONNECTOR))
    step(lambda: judge_all(eng))
    step(lambda: eng.decide(REVIEWER, outcome="approved", comment="承認", decided_on=date(2026, 4, 1)))
    step(lambda: eng.start_review_cycle(SYSTEM_ACTOR, "item_changed", items=[1]))

    events = eng.collect_events()
    aggregate = None
    by_version = {}
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
        by_version[aggregate.version] = copy.deepcopy(state_of(aggregate))
    assert len(by_version) == eng.version
    for snapshot in snapshots:
        assert by_version[snapshot["_version"]] == snapshot


def test_replay_does_not_share_mutable_state_with_the_original():
    eng = full_history()
    events = eng.collect_events()
    rebuilt = replay(events)
    rebuilt.item(1)["answer"]["current_state"] = "改ざん"
    rebuilt.cycles[0]["items"].append(999)
    assert eng.item(1)["answer"]["current_state"] != "改ざん"
    assert 999 not in eng.cycles[0]["items"]


def test_replay_reproduces_timestamps_recorded_on_the_events():
    eng = monitoring_engagement()
    events = eng.collect_events()
    rebuilt = replay(events)
    assert rebuilt.opened_at == events[0].timestamp.isoformat()
    assert rebuilt.decision["at"] == events[-1].timestamp.isoformat()
    assert rebuilt.modified_on == events[-1].timestamp
    assert rebuilt.created_on == events[0].timestamp
