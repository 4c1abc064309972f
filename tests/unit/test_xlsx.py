"""The フォーマット workbook: export, import, round trip and hostile files (no database)."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import zipfile
from datetime import date, datetime
from typing import Any, Callable

import defusedxml
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from service import ooxml
from service.xlsx import export as xlsx_export
from service.xlsx import printing as print_layout
from service.xlsx import reading as xlsx_reading
from service.catalogue import current_edition
from service.domain.actors import Actor
from service.domain.codes import AnswerStatus, Role
from service.domain.engagement import Engagement
from service.domain.errors import ControlCharacters
from service.xlsx.errors import XlsxImportError, XlsxTooLarge
from service.xlsx.export import export_engagement
from service.xlsx.importing import AnswerChange, import_answers
from service.xlsx.layout import export_text

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
    assert common["対象者"] == "共通" and common["対応状況区分"] == "対応済"
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
        assert cell.data_type == "s" and cell.value == text.replace("\r\n", "\n")
        assert cell.quotePrefix is (text[0] in "=+-@\t\r")
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


# --------------------------------------------------------------------------- round trip

typed = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\t\n\r"), max_size=60)
texts = st.one_of(
    typed,
    st.text(alphabet="あいう漢字テスト😀\n\r\t =+-@ ", max_size=40),
    st.builds(lambda p, t: p + t, st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\r\n", " ", "#N/A"]), typed),
)
required = texts.filter(lambda text: bool(text.strip()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    answers=st.lists(
        st.tuples(st.sampled_from(list(AnswerStatus)), required, texts, required, texts), min_size=1, max_size=4
    ),
    bank=st.tuples(st.sampled_from(list(AnswerStatus)), required, required),
    title=st.text(alphabet="案件テスト=+-@😀 ", min_size=1, max_size=20).filter(str.strip),
)
def test_round_trip_changes_nothing(answers, bank, title):
    eng = open_engagement(title=title)
    for number, (status, current_state, issues, plan, remarks) in zip(connector_side(eng) + [45], answers):
        answer(eng, number, status=status.value, current_state=current_state, issues=issues, plan=plan, remarks=remarks)
    answer(eng, BANK_ITEMS[0], REVIEWER, status=bank[0].value, current_state=bank[1], plan=bank[2])
    data = export_engagement(eng, EDITION, include_review=True)
    assert import_answers(data, eng, EDITION, side="connector") == []
    assert import_answers(data, eng, EDITION, side="bank") == []


def test_round_trip_of_full_texts():
    eng = open_engagement()
    long_text = ("長い回答。\n" * 3000)[:20_000]
    answer(eng, CONNECTOR_ITEMS[0], current_state=long_text, issues="末尾の空白  ", plan="  先頭の空白", remarks="😀\t絵文字")
    assert import_answers(export_engagement(eng, EDITION, include_review=False), eng, EDITION, side="connector") == []


# --------------------------------------------------------------------------- export: print

LONG_LINES = "\n".join(f"{i}行目：全角の長い回答文です。" * 4 for i in range(1, 400))[:20_000]
LONG_LINE = "改行のない長い一文" * 1_000  # 9,000 full-width characters on one line


def full_text(wb: Any) -> dict[tuple[Any, ...], str]:
    """The full-text sheet's pieces joined back per (sheet, 通番, column), without the line breaks."""
    joined: dict[tuple[Any, ...], list[str]] = {}
    for sheet, number, column, part, text in wb[print_layout.FULL_TEXT_SHEET].iter_rows(min_row=2, values_only=True):
        pieces = joined.setdefault((sheet, number, column), [])
        assert part == f"{len(pieces) + 1}/{part.split('/')[1]}"
        pieces.append(text)
    return {key: "".join(pieces).replace("\n", "") for key, pieces in joined.items()}


def test_text_a_row_cannot_print_is_marked_and_printed_in_full_on_its_own_sheet():
    eng = open_engagement()
    a, b = CONNECTOR_ITEMS[0], CONNECTOR_ITEMS[1]
    answer(eng, a, current_state=LONG_LINES, remarks="短い備考")
    answer(eng, b, status="partial", current_state="短い", issues=LONG_LINE, plan="計画")
    data = export_engagement(eng, EDITION, include_review=False)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["フォーマット", print_layout.FULL_TEXT_SHEET]
    ws = wb["フォーマット"]
    marked = {ws[f"A{row}"].value for row in range(2, ws.max_row + 1) if ws[f"A{row}"].number_format == '0"※"'}
    assert marked == {a, b}
    assert ws[f"A{row_of(eng, a)}"].value == a  # the mark is a number format: the value stays the number
    assert ws[f"F{row_of(eng, a)}"].value == LONG_LINES  # the cell keeps the whole text for the import
    assert ws.row_dimensions[row_of(eng, a)].height <= 409
    assert full_text(wb) == {
        ("フォーマット", a, "現在の対応状況"): LONG_LINES.replace("\n", ""),
        ("フォーマット", b, "課題認識"): LONG_LINE,
    }
    pieces = wb[print_layout.FULL_TEXT_SHEET]
    for row in range(2, pieces.max_row + 1):
        assert print_layout.lines_needed(pieces[f"E{row}"].value, "全文") <= print_layout.MAX_LINES
        assert pieces.row_dimensions[row].height <= 409
    assert "※" in ws.oddFooter.left.text and print_layout.FULL_TEXT_SHEET in ws.oddFooter.left.text
    assert import_answers(data, eng, EDITION, side="connector") == []

    edited = edit(data, lambda sheet: setattr(sheet[f"F{row_of(eng, a)}"], "value", LONG_LINES[::-1]))
    assert import_answers(edited, eng, EDITION, side="connector") == [AnswerChange(a, "implemented", LONG_LINES[::-1], "", "", "短い備考")]


def test_every_sheet_prints_with_its_header_page_numbers_and_fitted_width():
    eng = reviewed_engagement()
    wb = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=True)))
    assert wb.sheetnames == ["フォーマット", "質疑・判定", "判定"]  # nothing overflows: no full-text sheet
    for ws in wb.worksheets:
        assert ws.oddHeader.left.text == "フィンテック株式会社 API接続審査（フィンテック株式会社）"
        assert ws.oddHeader.right.text == "&A" and ws.oddFooter.center.text == "&P / &N"
        assert ws.oddFooter.left.text is None
        assert ws.print_title_rows == "$1:$1"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    titled = load_workbook(io.BytesIO(export_engagement(open_engagement(title="A&B 社"), EDITION, include_review=False)))
    assert titled["フォーマット"].oddHeader.left.text.startswith("A&&B 社")  # & starts a code in Excel's headers


def test_review_texts_that_cannot_print_go_to_the_full_text_sheet_too():
    eng = reviewed_engagement()
    number = CONNECTOR_ITEMS[0]
    eng.ask_question(REVIEWER, number, LONG_LINE, "q-3")
    eng.judge_item(REVIEWER, number, "unsatisfied", LONG_LINES)
    wb = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=True)))
    assert wb.sheetnames[-1] == print_layout.FULL_TEXT_SHEET
    assert full_text(wb) == {("質疑・判定", number, "内容"): LONG_LINE, ("判定", number, "判定コメント"): LONG_LINES.replace("\n", "")}
    for title in ("質疑・判定", "判定"):
        assert "※" in wb[title].oddFooter.left.text
    assert wb["フォーマット"].oddFooter.left.text is None
    verdicts = wb["判定"]
    assert verdicts[f"A{row_of(eng, number)}"].number_format == '0"※"'


def test_a_decision_comment_that_cannot_print_marks_its_label():
    eng = reviewed_engagement()
    eng.close_question(REVIEWER, "q-2")
    for number in eng.cycle["items"]:
        eng.judge_item(REVIEWER, number, "satisfied", "")
    eng.decide(REVIEWER, outcome="approved", comment=LONG_LINE, decided_on=date(2026, 4, 1))
    wb = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=True)))
    verdicts = wb["判定"]
    labels = {verdicts[f"B{row}"].value: row for row in range(2, verdicts.max_row + 1)}
    assert "判断理由※" in labels and verdicts[f"C{labels['判断理由※']}"].value == LONG_LINE
    assert verdicts.row_dimensions[labels["判断理由※"]].height <= 409
    assert full_text(wb) == {("判定", None, "判断理由"): LONG_LINE}


def test_pieces_cut_at_line_breaks_and_within_an_over_long_line():
    assert print_layout.pieces_for_print("") == [""]
    assert print_layout.pieces_for_print("短い\n文") == ["短い\n文"]
    pieces = print_layout.pieces_for_print(LONG_LINE)
    assert "".join(pieces) == LONG_LINE and len(pieces) > 1
    assert all(print_layout.lines_needed(piece, "全文") <= print_layout.MAX_LINES for piece in pieces)
    lines = print_layout.pieces_for_print(LONG_LINES)
    assert "\n".join(lines) == LONG_LINES  # cut only at line breaks when every line fits a piece


# --------------------------------------------------------------------------- import: changes


def test_an_edited_file_yields_exactly_the_changed_answers():
    eng = answered_engagement()
    a, b = CONNECTOR_ITEMS[0], CONNECTOR_ITEMS[1]

    def change(ws: Any) -> None:
        ws[f"F{row_of(eng, a)}"] = "多要素認証を導入済み\n（2026年4月）"
        ws[f"E{row_of(eng, b)}"] = "未対応（計画あり）"
        ws[f"H{row_of(eng, b)}"] = "=来期に対応"  # typed as text ('=…): openpyxl would make it a formula
        ws[f"H{row_of(eng, b)}"].data_type = "s"
        ws[f"F{row_of(eng, BANK_ITEMS[0])}"] = "銀行側の行は API接続先の取込では無視される"

    data = edit(export_engagement(eng, EDITION, include_review=False), change)
    assert import_answers(data, eng, EDITION, side="connector") == [
        AnswerChange(a, "implemented", "多要素認証を導入済み\n（2026年4月）", "", "", ""),
        AnswerChange(b, "planned", f"対応済みです（項目{b}）", "", "=来期に対応", ""),
    ]
    assert import_answers(data, eng, EDITION, side="bank") == [
        AnswerChange(BANK_ITEMS[0], "partial", "銀行側の行は API接続先の取込では無視される", "", "", ""),
    ]


def test_new_answers_codes_half_width_labels_numbers_and_dates():
    eng = open_engagement()
    c = connector_side(eng)

    def change(ws: Any) -> None:
        ws[f"E{row_of(eng, c[0])}"], ws[f"F{row_of(eng, c[0])}"] = "not_applicable", 12345
        ws[f"E{row_of(eng, c[1])}"], ws[f"F{row_of(eng, c[1])}"] = "未対応(計画あり)", datetime(2026, 4, 1, 9, 30)
        ws[f"H{row_of(eng, c[1])}"] = "来期に対応"
        ws[f"E{row_of(eng, c[2])}"], ws[f"F{row_of(eng, c[2])}"] = " 対応済 ", "改行\r\nあり"
        ws[f"E{row_of(eng, 45)}"], ws[f"F{row_of(eng, 45)}"] = "一部対応", "独自項目にも回答"
        ws[f"K{row_of(eng, c[3])}"] = "   "  # blank only: the row stays empty

    changes = import_answers(edit(export_engagement(eng, EDITION, include_review=False), change), eng, EDITION, side="connector")
    assert changes == [
        AnswerChange(c[0], "not_applicable", "12345", "", "", ""),
        AnswerChange(c[1], "planned", "2026-04-01 09:30:00", "", "来期に対応", ""),
        AnswerChange(c[2], "implemented", "改行\nあり", "", "", ""),
        AnswerChange(45, "partial", "独自項目にも回答", "", "", ""),
    ]


def test_columns_are_found_by_header_name_anywhere_in_the_first_rows():
    eng = answered_engagement()
    number = CONNECTOR_ITEMS[2]
    source = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=False)))["フォーマット"]
    rows = [list(row) for row in source.iter_rows(values_only=True)]
    order = [10, 5, 0, 7, 2, 4, 6, 1, 3, 9, 8]  # every column, shuffled
    wb = Workbook()
    ws = wb.active
    ws.title = "回答"
    ws.append(["API接続チェックリスト 回答票"])
    ws.append([])
    for i, row in enumerate(rows):
        values = [row[j] for j in order]
        values.insert(3, "社内メモ" if i == 0 else "メモ欄は無視される")
        if i == 0:
            values = [f" {v} " if v == "課題認識" else v for v in values]
        elif row[0] == number:
            values[values.index(row[5])] = "並べ替えた列でも取り込める"
        ws.append(values)
    wb.create_sheet("別のシート")
    out = io.BytesIO()
    wb.save(out)
    assert import_answers(out.getvalue(), eng, EDITION, side="connector") == [
        AnswerChange(number, "implemented", "並べ替えた列でも取り込める", "", "", "")
    ]


def test_the_sheet_named_format_is_preferred():
    eng = answered_engagement()
    data = export_engagement(eng, EDITION, include_review=True)
    wb = load_workbook(io.BytesIO(data))
    wb.move_sheet("フォーマット", offset=2)  # no longer the first sheet
    wb["フォーマット"][f"F{row_of(eng, CONNECTOR_ITEMS[0])}"] = "変更"
    out = io.BytesIO()
    wb.save(out)
    assert [c.number for c in import_answers(out.getvalue(), eng, EDITION, side="connector")] == [CONNECTOR_ITEMS[0]]


# --------------------------------------------------------------------------- import: validation


def test_every_problem_is_listed_at_once_with_sheet_and_cell():
    eng = answered_engagement()
    a, b, c = CONNECTOR_ITEMS[0], CONNECTOR_ITEMS[1], CONNECTOR_ITEMS[2]

    def change(ws: Any) -> None:
        ws[f"E{row_of(eng, a)}"] = "たぶん対応"  # unknown status
        ws[f"C{row_of(eng, b)}"] = "書き換えた目標"  # catalogue text changed
        ws[f"F{row_of(eng, c)}"] = "=SUM(A1)"  # a real formula

    errors = errors_of(edit(export_engagement(eng, EDITION, include_review=False), change), eng)
    assert [(e["sheet"], e["cell"]) for e in errors] == [
        ("フォーマット", f"E{row_of(eng, a)}"),
        ("フォーマット", f"C{row_of(eng, b)}"),
        ("フォーマット", f"F{row_of(eng, c)}"),
    ]
    assert "対応状況区分「たぶん対応」は使用できません" in errors[0]["message"]
    assert "セキュリティ対応目標が変更されています" in errors[1]["message"]
    assert errors[2]["message"].startswith("数式は使用できません")


def test_row_problems():
    eng = answered_engagement()
    last = row_of(eng, 45)
    a, b = CONNECTOR_ITEMS[0], CONNECTOR_ITEMS[1]

    def change(ws: Any) -> None:
        ws[f"F{row_of(eng, a)}"] = None  # required 現在の対応状況 emptied
        ws[f"E{row_of(eng, b)}"] = None  # required 対応状況区分 emptied
        ws[f"F{row_of(eng, DROPPED)}"] = "削除された項目に回答"
        ws[f"G{row_of(eng, CONNECTOR_ITEMS[2])}"] = "x" * 20_001
        ws.append([999, "", "", "", "対応済", "存在しない項目"])
        ws.append([a, "", EDITION.item(a).objective, "", "対応済", "重複した行"])
        ws.append(["十二", "", "", "", "対応済", "番号が文字"])
        ws.append([None, "", "", "", "対応済", "番号なし"])
        ws.append([None, "備考だけの行は無視される"])
        ws.append([])

    errors = errors_of(edit(export_engagement(eng, EDITION, include_review=False), change), eng)
    assert [(e["cell"], e["message"]) for e in errors] == [
        (f"F{row_of(eng, a)}", "現在の対応状況を入力してください。"),
        (f"E{row_of(eng, b)}", "対応状況区分を入力してください。"),
        (f"F{row_of(eng, DROPPED)}", f"通番 {DROPPED} は審査対象から削除された項目です（削除理由: {DROP_REASON}）。回答欄は空欄のままにしてください。"),
        (f"G{row_of(eng, CONNECTOR_ITEMS[2])}", "課題認識は20,000文字以内で入力してください（現在 20,001文字）。"),
        (f"A{last + 1}", "通番 999 はこの案件の確認項目にありません。"),
        (f"A{last + 2}", f"通番 {a} の行が重複しています（{row_of(eng, a)}行目と同じ番号です）。"),
        (f"A{last + 3}", "通番「十二」が正しくありません（項目の番号を数字で入力してください）。"),
        (f"A{last + 4}", "通番を入力してください。"),
    ]
    assert {e["sheet"] for e in errors} == {"フォーマット"}


def test_objective_comparison_ignores_excel_line_endings():
    eng = open_engagement(custom_items=[{"objective": "一行目\n二行目", "party": "common"}])

    def change(ws: Any) -> None:
        ws[f"C{row_of(eng, 45)}"] = "一行目\r\n二行目"
        ws[f"E{row_of(eng, 45)}"], ws[f"F{row_of(eng, 45)}"] = "対応済", "回答"

    data = edit(export_engagement(eng, EDITION, include_review=False), change)
    assert [c.number for c in import_answers(data, eng, EDITION, side="connector")] == [45]


def test_missing_header_columns_are_each_reported():
    eng = open_engagement()

    def change(ws: Any) -> None:
        ws["K1"] = "その他"
        ws["G1"] = None

    errors = errors_of(edit(export_engagement(eng, EDITION, include_review=False), change), eng)
    assert [e["message"] for e in errors] == [
        "列「課題認識」が見つかりません（1行目の見出し行）。",
        "列「備考」が見つかりません（1行目の見出し行）。",
    ]
    no_header = edit(export_engagement(eng, EDITION, include_review=False), lambda ws: ws.delete_rows(1))
    assert "見出し行が見つかりません" in errors_of(no_header, eng)[0]["message"]


def test_side_must_be_known():
    eng = open_engagement()
    with pytest.raises(ValueError):
        import_answers(export_engagement(eng, EDITION, include_review=False), eng, EDITION, side="auditor")


# --------------------------------------------------------------------------- import: hostile files


@pytest.fixture(scope="module")
def exported() -> bytes:
    return export_engagement(answered_engagement(), EDITION, include_review=False)


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True and xlsx_reading.DEFUSEDXML is True


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=2_000))
def test_random_bytes_are_refused(data):
    with pytest.raises(XlsxImportError) as caught:
        import_answers(data, open_engagement(), EDITION, side="connector")
    assert caught.value.errors[0]["message"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_workbooks_never_escape_as_other_errors(exported, data):
    damaged = bytearray(exported)
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    try:
        import_answers(bytes(damaged), answered_engagement(), EDITION, side="connector")
    except XlsxImportError:
        pass


def test_non_xlsx_files_are_refused(exported):
    eng = open_engagement()
    assert "Excel（.xlsx）形式のファイルではありません" in single_error(os.urandom(4096), eng)
    assert "Excel（.xlsx）形式" in single_error(b"", eng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as docx:
        docx.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        docx.writestr("word/document.xml", "<w:document/>")
    assert "Excel（.xlsx）形式" in single_error(out.getvalue(), eng)
    assert "旧形式（.xls）" in single_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), eng)


def test_macro_enabled_workbooks_are_refused(exported):
    eng = open_engagement()
    assert "マクロ" in single_error(rezip(exported, add={"xl/vbaProject.bin": b"\x00" * 64}), eng)
    types = zipfile.ZipFile(io.BytesIO(exported)).read("[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert "マクロ" in single_error(rezip(exported, replace={"[Content_Types].xml": types}), eng)


def test_files_over_5_mb_are_refused_before_anything_else():
    with pytest.raises(XlsxTooLarge) as caught:
        import_answers(b"PK\x03\x04" + os.urandom(6 * 1024 * 1024), open_engagement(), EDITION, side="connector")
    assert caught.value.errors == [{"sheet": "", "cell": "", "message": "ファイルが大きすぎます（上限 5 MB）。"}]


def test_zip_bombs_are_refused(exported):
    eng = open_engagement()
    big = rezip(exported, add={"xl/media/padding.bin": b"\x00" * (51 * 1024 * 1024)})
    assert len(big) < xlsx_reading.MAX_BYTES
    assert "展開後のサイズが大きすぎます" in single_error(big, eng)
    dense = rezip(exported, add={"xl/media/dense.bin": b" " * (2 * 1024 * 1024)})
    assert "圧縮率が異常" in single_error(dense, eng)
    many = rezip(exported, add={f"xl/media/{i}.txt": str(i).encode() for i in range(1_001)})
    assert "要素が多すぎます" in single_error(many, eng)


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>"""


def test_entity_declarations_are_refused(exported):
    eng = open_engagement()
    assert "DOCTYPE" in single_error(rezip(exported, replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS}), eng)
    utf16 = BILLION_LAUGHS.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
    assert "DOCTYPE" in single_error(rezip(exported, replace={"xl/worksheets/sheet1.xml": utf16}), eng)
    external = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><Types/>'
    assert "DOCTYPE" in single_error(rezip(exported, replace={"[Content_Types].xml": external}), eng)


def test_defusedxml_still_refuses_entities_behind_the_pre_scan(exported, monkeypatch):
    monkeypatch.setattr(ooxml, "_refuse_dtd", lambda xml, fmt: None)
    data = rezip(exported, replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS})
    with pytest.raises(XlsxImportError) as caught:
        import_answers(data, open_engagement(), EDITION, side="connector")
    assert "読み込めませんでした" in caught.value.errors[0]["message"]
    chain, cause = [], caught.value.__cause__
    while cause is not None:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    assert any(isinstance(error, defusedxml.EntitiesForbidden) for error in chain)


def test_thousands_of_rows_are_refused():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("フォーマット")
    ws.append(HEADER)
    for number in range(1, 5_001):
        ws.append([number, f"区分{number}", f"目標{number * 7919}", "API接続先", "対応済", f"回答{number * 104729}"])
    out = io.BytesIO()
    wb.save(out)
    assert "データ行が多すぎます（上限 2,000 行）" in single_error(out.getvalue(), open_engagement())


def test_a_real_formula_anywhere_in_the_read_columns_is_an_error():
    eng = answered_engagement()
    row = row_of(eng, CONNECTOR_ITEMS[0])

    def change(ws: Any) -> None:
        ws[f"A{row}"] = "=1+0"

    errors = errors_of(edit(export_engagement(eng, EDITION, include_review=False), change), eng)
    assert errors == [{"sheet": "フォーマット", "cell": f"A{row}", "message": "数式は使用できません。値（文字列）として入力してください。"}]


def test_a_stray_cell_far_below_is_refused_quickly(exported):
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        + "".join(f'<c r="{COL[name]}1" t="inlineStr"><is><t>{name}</t></is></c>' for name in HEADER)
        + '</row><row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )
    data = rezip(exported, replace={"xl/worksheets/sheet1.xml": sheet.encode()})
    assert "シートが大きすぎます（1,048,576行目に行があります" in single_error(data, open_engagement())
    assert errors_of(data, open_engagement())[0]["code"] == "sheet_too_large"


# --------------------------------------------------------------------------- a workbook as Excel saves it

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def excel_like(rows: list[list[Any]]) -> bytes:
    """A hand-made package like Excel writes it: shared strings, numbers as <v>, UTF-8 with BOM-less declarations."""
    strings: list[str] = []
    cells = []
    for r, row in enumerate(rows, start=1):
        xml = []
        for c, value in enumerate(row, start=1):
            ref = f"{openpyxl.utils.get_column_letter(c)}{r}"
            if value is None:
                continue
            if isinstance(value, int):
                xml.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                strings.append(value)
                xml.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
        cells.append(f'<row r="{r}">{"".join(xml)}</row>')

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="フォーマット" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><dimension ref="A1"/><sheetData>{"".join(cells)}</sheetData></worksheet>',
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f'<si><t xml:space="preserve">{esc(text)}</t></si>' for text in strings)
            + "</sst>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, (declaration + text).encode("utf-8"))
    return out.getvalue()


def test_a_workbook_with_shared_strings_and_a_wrong_dimension_is_read():
    eng = answered_engagement()
    number = CONNECTOR_ITEMS[0]
    objective = EDITION.item(number).objective
    data = excel_like(
        [
            HEADER,
            [number, "", objective, "API接続先", "一部対応", "=共有文字列の回答 ", "", "", "", "", "-備考"],
            [BANK_ITEMS[1], "", EDITION.item(BANK_ITEMS[1]).objective, "金融機関", "対応済", "銀行の行"],
        ]
    )
    assert import_answers(data, eng, EDITION, side="connector") == [
        AnswerChange(number, "partial", "=共有文字列の回答 ", "", "", "-備考")
    ]
    assert import_answers(data, eng, EDITION, side="bank") == [
        AnswerChange(BANK_ITEMS[1], "implemented", "銀行の行", "", "", "")
    ]


def test_openpyxl_is_loaded_on_the_first_excel_use_only():
    """6 MB a process: the projector, the clock and a web worker that never exports do without it."""
    import subprocess
    import sys

    check = (
        "import sys; import service.app, service.projector, jobs.clock; from service.bootstrap import bootstrap; "
        "assert 'openpyxl' not in sys.modules, 'openpyxl imported at start'"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
