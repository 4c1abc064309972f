"""What the workbook tests share: the bundled edition, two organisations and their people, and an
engagement opened, answered or reviewed in memory; workbooks edited, read and repackaged."""

from __future__ import annotations

import io
import zipfile
from typing import Any, Callable

import openpyxl
import pytest
from openpyxl import load_workbook

from service.catalogue import current_edition
from service.domain.actors import Actor
from service.domain.codes import Role
from service.domain.engagement import Engagement
from service.xlsx.errors import XlsxImportError
from service.xlsx.importing import import_answers

EDITION = current_edition()
BANK = {"id": "B1", "name": "第一銀行"}
CONNECTOR_ORG = {"id": "C1", "name": "フィンテック株式会社"}
REVIEWER = Actor(id="u-rev", name="審査 太郎", org_id="B1", org_name="第一銀行", role=Role.REVIEWER)
CONNECTOR = Actor(id="u-con", name="接続 次郎", org_id="C1", org_name="フィンテック株式会社", role=Role.CONNECTOR)

HEADER = [
    "通番",
    "区分",
    "セキュリティ対応目標",
    "対象者",
    "対応状況区分",
    "現在の対応状況",
    "課題認識",
    "課題への対応計画",
    "関連規定",
    "関連規定箇所",
    "備考",
]
COL = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(HEADER, start=1)}
DROPPED = 3
DROP_REASON = "当社はこの機能を提供しないため"


def numbers_of(party: str) -> list[int]:
    return [item.number for item in EDITION.items if item.party.value == party]


CONNECTOR_ITEMS = [n for n in numbers_of("connector") if n != DROPPED]
COMMON_ITEMS = numbers_of("common")
BANK_ITEMS = numbers_of("bank")


def open_engagement(**overrides: Any) -> Engagement:
    kwargs: dict[str, Any] = {
        "bank": BANK,
        "connector": CONNECTOR_ORG,
        "title": "フィンテック株式会社 API接続審査",
        "edition": EDITION,
        "dropped_items": [{"number": DROPPED, "reason": DROP_REASON}],
        "custom_items": [{"objective": "独自の確認事項：鍵管理を年1回点検する。", "party": "connector", "category": "当行独自"}],
    }
    kwargs.update(overrides)
    return Engagement.open(REVIEWER, **kwargs)


def answer(eng: Engagement, number: int, actor: Actor = CONNECTOR, **fields: Any) -> None:
    values = {"status": "implemented", "current_state": f"対応済みです（項目{number}）"}
    values.update(fields)
    eng.save_answer(actor, number, **values)


def connector_side(eng: Engagement) -> list[int]:
    return [i["number"] for i in eng.items if i["party"] in ("connector", "common") and not i["dropped"]]


def answered_engagement() -> Engagement:
    eng = open_engagement()
    for number in connector_side(eng):
        answer(eng, number)
    for number in BANK_ITEMS[:3]:
        answer(eng, number, REVIEWER, status="partial", current_state=f"銀行側の対応（{number}）")
    return eng


def row_of(eng: Engagement, number: int) -> int:
    return 2 + [item["number"] for item in eng.items].index(number)


def edit(data: bytes, change: Callable[[Any], None], sheet: str = "フォーマット") -> bytes:
    wb = load_workbook(io.BytesIO(data))
    change(wb[sheet])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def errors_of(data: bytes, eng: Engagement, side: str = "connector") -> list[dict[str, str]]:
    with pytest.raises(XlsxImportError) as caught:
        import_answers(data, eng, EDITION, side=side)
    return caught.value.errors


def single_error(data: bytes, eng: Engagement) -> str:
    errors = errors_of(data, eng)
    assert len(errors) == 1, errors
    assert errors[0]["sheet"] == "" and errors[0]["cell"] == ""
    return errors[0]["message"]


def sheet_xml(data: bytes, number: int = 1) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(f"xl/worksheets/sheet{number}.xml").decode("utf-8")


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """A copy of an .xlsx package with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def reviewed_engagement() -> Engagement:
    eng = answered_engagement()
    eng.submit(CONNECTOR)
    number = CONNECTOR_ITEMS[0]
    eng.ask_question(REVIEWER, number, "=多要素認証の方式を教えてください", "q-1")
    eng.post_reply(CONNECTOR, "q-1", "ワンタイムパスワードです")
    eng.close_question(REVIEWER, "q-1")
    eng.ask_question(REVIEWER, COMMON_ITEMS[0], "手順書はありますか", "q-2")
    eng.judge_item(REVIEWER, number, "unsatisfied", "未充足の理由")
    return eng
