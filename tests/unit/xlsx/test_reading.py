"""The imported workbook read without trusting it: hostile packages are refused before openpyxl
parses a row, and a workbook as Excel saves it is read."""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

import defusedxml
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from service import ooxml
from service.xlsx import reading as xlsx_reading
from service.xlsx.errors import XlsxImportError, XlsxTooLarge
from service.xlsx.export import export_engagement
from service.xlsx.importing import AnswerChange, import_answers
from tests.unit.xlsx.builders import (
    BANK_ITEMS,
    COL,
    CONNECTOR_ITEMS,
    EDITION,
    HEADER,
    answered_engagement,
    edit,
    errors_of,
    open_engagement,
    rezip,
    row_of,
    single_error,
)

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
