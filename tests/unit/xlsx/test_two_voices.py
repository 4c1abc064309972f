"""A 共通 item's two statements in the フォーマット: both in the same cells, labelled
【API接続先】/【金融機関】; an import reads back only the importing side's part."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from service.xlsx.export import export_engagement
from service.xlsx.importing import import_answers
from service.xlsx.layout import both_voices, voice_part
from tests.unit.xlsx.builders import (
    COL,
    COMMON_ITEMS,
    CONNECTOR,
    EDITION,
    REVIEWER,
    answer,
    edit,
    open_engagement,
    row_of,
)

COMMON = COMMON_ITEMS[0]


def both_sides_answered():
    eng = open_engagement()
    answer(eng, COMMON, CONNECTOR, current_state="接続先：通信はTLS1.2以上", remarks="接続先の備考")
    answer(eng, COMMON, REVIEWER, status="partial", current_state="銀行：証明書を確認", issues="更新手順が未整備")
    return eng


def test_both_statements_stand_in_the_same_cells_under_their_labels():
    eng = both_sides_answered()
    ws = load_workbook(io.BytesIO(export_engagement(eng, EDITION, include_review=False)))["フォーマット"]
    row = row_of(eng, COMMON)
    assert ws[f"{COL['対応状況区分']}{row}"].value == "【API接続先】\n対応済\n【金融機関】\n一部対応"
    assert ws[f"{COL['現在の対応状況']}{row}"].value == "【API接続先】\n接続先：通信はTLS1.2以上\n【金融機関】\n銀行：証明書を確認"
    assert ws[f"{COL['課題認識']}{row}"].value == "【API接続先】\n\n【金融機関】\n更新手順が未整備"


@pytest.mark.parametrize("side", ["connector", "bank"])
def test_an_untouched_export_imports_as_no_change_for_either_side(side):
    eng = both_sides_answered()
    assert import_answers(export_engagement(eng, EDITION, include_review=True), eng, EDITION, side=side) == []


def set_cell(name, value, eng):
    def change(ws):
        ws[f"{COL[name]}{row_of(eng, COMMON)}"].value = value

    return change


def test_each_side_imports_only_its_own_part():
    eng = both_sides_answered()
    data = export_engagement(eng, EDITION, include_review=False)
    edited = edit(data, set_cell("現在の対応状況", both_voices("接続先：TLS1.3に更新", "銀行：確認済み（改）"), eng))
    (connector_change,) = import_answers(edited, eng, EDITION, side="connector")
    assert connector_change.number == COMMON and connector_change.current_state == "接続先：TLS1.3に更新"
    assert connector_change.remarks == "接続先の備考"  # the rest of its part as it was
    (bank_change,) = import_answers(edited, eng, EDITION, side="bank")
    assert bank_change.current_state == "銀行：確認済み（改）" and bank_change.status == "partial"


def test_a_cell_without_labels_is_wholly_the_importing_sides():
    eng = both_sides_answered()
    data = edit(export_engagement(eng, EDITION, include_review=False), set_cell("現在の対応状況", "ラベルなしの記入", eng))
    (change,) = import_answers(data, eng, EDITION, side="connector")
    assert change.current_state == "ラベルなしの記入"


def test_a_side_whose_part_is_empty_leaves_its_statement_unwritten():
    eng = open_engagement()
    answer(eng, COMMON, CONNECTOR, current_state="接続先のみ記入")
    data = export_engagement(eng, EDITION, include_review=False)
    assert import_answers(data, eng, EDITION, side="bank") == []  # no 対応状況区分 error for the empty bank part


lines = st.text(alphabet=st.sampled_from(list("あい漢字 =+-@\n【】APIx")), max_size=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(connector=lines, bank=lines)
def test_each_part_reads_back_as_written(connector, bank):
    cell = both_voices(connector, bank)
    assume("【API接続先】" not in connector + bank and "【金融機関】" not in connector + bank)  # a typed label is a label
    assert voice_part(cell, "connector") == connector
    assert voice_part(cell, "bank") == bank
