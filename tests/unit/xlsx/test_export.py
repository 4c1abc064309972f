"""The exported フォーマット: the contract's columns and rows, styling and protection, text that stays
text, and the review sheets."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from service.domain.codes import AnswerStatus
from service.domain.errors import ControlCharacters
from service.xlsx import export as xlsx_export
from service.xlsx.export import export_engagement
from service.xlsx.importing import import_answers
from service.xlsx.layout import both_voices, export_text
from tests.unit.xlsx.builders import (
    BANK_ITEMS,
    COL,
    COMMON_ITEMS,
    CONNECTOR_ITEMS,
    DROP_REASON,
    DROPPED,
    EDITION,
    HEADER,
    answer,
    answered_engagement,
    connector_side,
    open_engagement,
    reviewed_engagement,
    row_of,
    sheet_xml,
)

# --------------------------------------------------------------------------- export: layout


def test_format_sheet_header_is_exactly_the_contract_columns_in_order():
    wb = load_workbook(io.BytesIO(export_engagement(open_engagement(), EDITION, include_review=False)))
    assert wb.sheetnames == ["フォーマット"]
    ws = wb["フォーマット"]
    assert [cell.value for cell in ws[1]] == HEADER
    assert wb.properties.title == "フィンテック株式会社 API接続審査"


def test_one_row_per_item_with_labels_references_and_answers():
    eng = answered_engagement()
    answer(eng, CONNECTOR_ITEMS[0], status="planned", current_state="検討中", issues="課題", plan="来期", remarks="備考欄")
    ws = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=False)))["フォーマット"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [item["number"] for item in eng.items] == list(range(1, 46))

    first = dict(zip(HEADER, rows[row_of(eng, CONNECTOR_ITEMS[0]) - 2]))
    catalogue = EDITION.item(CONNECTOR_ITEMS[0])
    assert first["区分"] == catalogue.category
    assert first["セキュリティ対応目標"] == catalogue.objective
    assert first["対象者"] == "API接続先"
    assert first["対応状況区分"] == "未対応（計画あり）"
    assert (first["現在の対応状況"], first["課題認識"], first["課題への対応計画"], first["備考"]) == ("検討中", "課題", "来期", "備考欄")
    assert first["関連規定"] == "\n".join(r.source for r in catalogue.references)
    assert first["関連規定箇所"] == "\n".join(r.location for r in catalogue.references)

    bank = dict(zip(HEADER, rows[row_of(eng, BANK_ITEMS[0]) - 2]))
    assert bank["対象者"] == "金融機関" and bank["対応状況区分"] == "一部対応"
    common = dict(zip(HEADER, rows[row_of(eng, COMMON_ITEMS[0]) - 2]))
    assert common["対象者"] == "共通" and common["対応状況区分"] == "【API接続先】\n対応済\n【金融機関】\n"  # each side's part, labelled
    unanswered = dict(zip(HEADER, rows[row_of(eng, BANK_ITEMS[-1]) - 2]))
    assert all(unanswered[name] is None for name in ("対応状況区分", "現在の対応状況", "課題認識", "課題への対応計画", "備考"))
    without_references = dict(zip(HEADER, rows[row_of(eng, 8) - 2]))  # item 8 has no 関連規定 in the source
    assert without_references["関連規定"] is None and without_references["関連規定箇所"] is None


@pytest.mark.parametrize("status", list(AnswerStatus))
def test_status_is_written_as_its_japanese_label(status: AnswerStatus):
    eng = open_engagement()
    answer(eng, CONNECTOR_ITEMS[0], status=status.value, plan="来期に対応する")
    ws = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=False)))["フォーマット"]
    assert ws[f"{COL['対応状況区分']}{row_of(eng, CONNECTOR_ITEMS[0])}"].value == status.label
    assert status.label in ("対応済", "一部対応", "未対応（計画あり）", "未対応", "対象外")


def test_custom_and_dropped_items():
    eng = open_engagement()
    answer(eng, 45, status="partial", current_state="点検は未実施")
    ws = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=False)))["フォーマット"]
    custom = {name: ws[f"{COL[name]}{row_of(eng, 45)}"].value for name in HEADER}
    assert custom["通番"] == 45 and custom["区分"] == "当行独自" and custom["対象者"] == "API接続先"
    assert custom["セキュリティ対応目標"] == "独自の確認事項：鍵管理を年1回点検する。"
    assert custom["関連規定"] is None and custom["関連規定箇所"] is None
    assert custom["対応状況区分"] == "一部対応"

    row = row_of(eng, DROPPED)
    dropped = {name: ws[f"{COL[name]}{row}"] for name in HEADER}
    assert dropped["セキュリティ対応目標"].value.startswith(f"【削除: {DROP_REASON}】\n")
    assert dropped["セキュリティ対応目標"].value.endswith(EDITION.item(DROPPED).objective)
    for name in ("対応状況区分", "現在の対応状況", "課題認識", "課題への対応計画", "備考"):
        assert dropped[name].value is None
        assert dropped[name].protection.locked  # nobody types into a dropped item by accident
    assert dropped["通番"].fill.fgColor.rgb.endswith("D9D9D9")

    assert import_answers(export_engagement(eng, EDITION, include_review=False), eng, EDITION, side="connector") == []


def test_styling_validation_protection_and_freeze():
    data = export_engagement(open_engagement(), EDITION, include_review=False)
    ws = load_workbook(io.BytesIO(data))["フォーマット"]
    assert ws.freeze_panes == "B2"
    assert all(cell.font.b and cell.fill.fill_type == "solid" for cell in ws[1])
    assert ws["F2"].alignment.wrap_text and ws.column_dimensions["C"].width >= 40
    assert ws.protection.sheet is True and not ws.protection.password
    for name in HEADER:
        locked = ws[f"{COL[name]}2"].protection.locked
        assert locked is (name not in ("対応状況区分", "現在の対応状況", "課題認識", "課題への対応計画", "備考")), name
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"対応済,一部対応,未対応（計画あり）,未対応,対象外"'
    covered = str(validation.sqref)
    assert "E2" in covered and f"E{row_of(open_engagement(), 45)}" in covered
    assert f"E{row_of(open_engagement(), DROPPED)}" not in covered.replace(":", " ").split()


def test_edition_must_be_the_engagements():
    eng = open_engagement()
    other = dataclasses.replace(EDITION, id="other")
    with pytest.raises(ValueError):
        export_engagement(eng, other, include_review=False)


# --------------------------------------------------------------------------- export: text safety

FORMULA_LIKE = ["=SUM(A1)", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r\n=1", "=HYPERLINK(\"http://x\",\"y\")", "#N/A"]


def test_formula_like_text_is_written_as_inline_string_never_a_formula():
    eng = open_engagement(title="=HYPERLINK(\"http://evil\")")
    for number, text in zip(connector_side(eng), FORMULA_LIKE):
        answer(eng, number, current_state=text, issues=text, plan=text, remarks=text)
    data = export_engagement(eng, EDITION, include_review=True)
    package = zipfile.ZipFile(io.BytesIO(data))
    for name in package.namelist():
        if name.startswith("xl/worksheets/"):
            assert "<f>" not in package.read(name).decode() and "<f " not in package.read(name).decode()
    xml = sheet_xml(data)
    assert '<c r="F2" s="' in xml
    assert re.search(r'<c r="F2" s="\d+" t="inlineStr"><is><t>=SUM\(A1\)</t></is></c>', xml)
    assert 't="e"' not in xml  # "#N/A" stays text, not an error value
    ws = load_workbook(io.BytesIO(data))["フォーマット"]
    for number, text in zip(connector_side(eng), FORMULA_LIKE):
        cell = ws[f"F{row_of(eng, number)}"]
        common = eng.item(number)["party"] == "common"
        written = both_voices(text, "") if common else text  # a 共通 item's cell starts with its label
        assert cell.data_type == "s" and cell.value == written.replace("\r\n", "\n")
        assert cell.quotePrefix is (written[0] in "=+-@\t\r")
    assert import_answers(data, eng, EDITION, side="connector") == []


def test_control_characters_are_refused_on_entry_and_replaced_on_export():
    """New text cannot hold them (the domain refuses); text recorded before that rule is
    still written as valid XML."""
    nasty = "a\x00b\x01\x08\x0b\x0c\x0e\x1f\x7f\ufffe\uffff\ud800c"
    with pytest.raises(ControlCharacters):
        open_engagement(dropped_items=[{"number": DROPPED, "reason": nasty}])
    eng = open_engagement()
    with pytest.raises(ControlCharacters):
        answer(eng, CONNECTOR_ITEMS[0], current_state=nasty)
    expected = "a\ufffdb\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\x7f\ufffd\ufffd\ufffdc"
    assert export_text(nasty) == expected


def test_line_breaks_are_written_as_lf():
    assert export_text("a\r\nb\rc\nd") == "a\nb\nc\nd"


# --------------------------------------------------------------------------- export: review sheets


def test_review_sheets_only_with_include_review():
    eng = reviewed_engagement()
    assert load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=False))).sheetnames == ["フォーマット"]
    wb = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=True)))
    assert wb.sheetnames == ["フォーマット", "質疑・判定", "判定"]

    posts = list(wb["質疑・判定"].iter_rows(values_only=True))
    assert list(posts[0]) == ["通番", "質問ID", "投稿者", "組織", "日時（JST）", "内容", "状態"]
    assert [row[:4] for row in posts[1:]] == [
        (CONNECTOR_ITEMS[0], "q-1", "審査 太郎", "第一銀行"),
        (CONNECTOR_ITEMS[0], "q-1", "接続 次郎", "フィンテック株式会社"),
        (COMMON_ITEMS[0], "q-2", "審査 太郎", "第一銀行"),
    ]
    assert [row[5:] for row in posts[1:]] == [
        ("=多要素認証の方式を教えてください", "解決済"),
        ("ワンタイムパスワードです", "解決済"),
        ("手順書はありますか", "未解決"),
    ]
    asked = datetime.fromisoformat(eng.question("q-1")["posts"][0]["at"]).astimezone(xlsx_export.JST)
    assert posts[1][4] == asked.strftime("%Y-%m-%d %H:%M")

    verdicts = {row[0]: row for row in wb["判定"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert verdicts[CONNECTOR_ITEMS[0]][5:8] == ("未充足", "未充足の理由", "審査 太郎")
    assert verdicts[COMMON_ITEMS[0]][5] == "未判定"
    assert verdicts[DROPPED][5] == f"削除: {DROP_REASON}"
    assert wb["質疑・判定"].protection.sheet and wb["判定"].protection.sheet
    assert import_answers(export_engagement(eng, EDITION, include_review=True), eng, EDITION, side="connector") == []
