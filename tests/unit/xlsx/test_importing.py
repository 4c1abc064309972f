"""Importing a filled workbook: exactly the changed answers, or every problem at once with its
sheet and cell."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from service.xlsx.export import export_engagement
from service.xlsx.importing import AnswerChange, import_answers
from tests.unit.xlsx.builders import (
    BANK_ITEMS,
    CONNECTOR_ITEMS,
    DROP_REASON,
    DROPPED,
    EDITION,
    answered_engagement,
    connector_side,
    edit,
    errors_of,
    open_engagement,
    row_of,
)

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
