"""The exported workbook on paper: text a row cannot print is marked and printed in full on its
own sheet."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from service.xlsx import printing as print_layout
from service.xlsx.export import export_engagement
from service.xlsx.importing import AnswerChange, import_answers
from tests.unit.xlsx.builders import (
    CONNECTOR_ITEMS,
    EDITION,
    REVIEWER,
    answer,
    edit,
    open_engagement,
    reviewed_engagement,
    row_of,
)

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
