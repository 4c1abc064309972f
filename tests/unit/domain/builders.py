"""What the domain tests share: the ``Engagement`` aggregate exercised purely in memory (no event
store), its people, and engagements built up to each stage.

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

from datetime import date
from typing import Any

from service.domain.actors import Actor
from service.domain.checklist import (
    Category,
    CheckItem,
    Edition,
    Method,
    Party,
    Reference,
)
from service.domain.codes import Role
from service.domain.engagement import Engagement

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
