"""Hostile Office files through the real upload routes (the フォーマット import and evidence),
on both stores: zips whose headers lie about sizes, deflate bombs, climbing member names,
macros in any case, DTDs, sheets declaring a million rows, control characters in cells.
Every one is a 422 (413 when the upload itself is too large) that changes nothing."""

from __future__ import annotations

import functools
import io
import os
import struct
import zipfile
import zlib

import pytest
from openpyxl import load_workbook

from service import ooxml
from tests.api import conftest as api

callers = api.callers  # the API callers fixture, here too

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)
DOCX_PARTS = {
    "[Content_Types].xml": CONTENT_TYPES,
    "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
}


# ------------------------------------------------------------------------------ crafting


def package(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(zipfile.ZipInfo(name), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def lie(data: bytes, name: str, claimed: int, *, prefix_crc: bool = False) -> bytes:
    """The package with ``name``'s size patched to ``claimed`` in its local header and the
    central directory; with ``prefix_crc`` the CRC too, so that only the first bytes check."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        real = archive.read(name) if prefix_crc else b""
    encoded = name.encode()
    central = next(
        at for at in range(len(out)) if out[at : at + 4] == b"PK\x01\x02" and out[at + 46 : at + 46 + len(encoded)] == encoded
    )
    struct.pack_into("<I", out, info.header_offset + 22, claimed)
    struct.pack_into("<I", out, central + 24, claimed)
    if prefix_crc:
        crc = zlib.crc32(real[:claimed])
        struct.pack_into("<I", out, info.header_offset + 14, crc)
        struct.pack_into("<I", out, central + 16, crc)
    return out


@functools.cache
def dense_but_not_suspicious() -> bytes:
    """55 MB that deflate shrinks about 50 times: under the ratio limit, over the unpacked one."""
    block = bytearray(55 * 1024 * 1024)
    block[::150] = os.urandom(len(range(0, len(block), 150)))
    return bytes(block)


def sheet_part(rows: str, dimension: str = "A1") -> bytes:
    return f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'.encode()


def header_row() -> str:
    names = ("通番", "区分", "セキュリティ対応目標", "対象者", "対応状況区分", "現在の対応状況", "課題認識", "課題への対応計画", "関連規定", "関連規定箇所", "備考")
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(names))
    return f'<row r="1">{cells}</row>'


# ------------------------------------------------------------------------------ routes


@pytest.fixture
def engagement(callers, people):
    created = callers.reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "敵対的ファイル"})
    assert created.status_code == 201, created.json
    exported = callers.connector.get(f"/engagements/{created.json['id']}/export.xlsx")
    return created.json, exported.data


def upload(caller, eid: str, data: bytes, name: str = "format.xlsx"):
    return caller.post(
        f"/engagements/{eid}/import.xlsx", data={"file": (io.BytesIO(bytes(data)), name)}, content_type="multipart/form-data"
    )


def attach(caller, eid: str, data: bytes, name: str):
    return caller.post(
        f"/engagements/{eid}/items/1/evidence", data={"file": (io.BytesIO(bytes(data)), name)}, content_type="multipart/form-data"
    )


def refused_import(callers, engagement, data: bytes) -> dict:
    created, _ = engagement
    response = upload(callers.connector, created["id"], data)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "invalid_workbook" and all(entry["message"] for entry in error["errors"])
    assert callers.connector.get(f"/engagements/{created['id']}").json["version"] == created["version"]
    return error


def refused_evidence(callers, engagement, data: bytes, name: str) -> dict:
    created, _ = engagement
    response = attach(callers.connector, created["id"], data, name)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["field"] == "file"
    item = callers.connector.get(f"/engagements/{created['id']}").json["items"][0]
    assert item["evidence"] == []
    return error


def whole_file_code(error: dict) -> str:
    (entry,) = error["errors"]
    assert entry["sheet"] == "" and entry["cell"] == ""
    return entry["code"]


# ------------------------------------------------------------------------------ finding 1: the package


def test_a_member_inflating_far_past_its_claimed_size_is_refused_on_import_and_as_evidence(callers, engagement):
    _, exported = engagement
    bomb_xlsx = {**parts_of(exported), "xl/media/image1.png": b" " * (60 * 1024 * 1024)}
    for prefix_crc in (False, True):  # a CRC of the whole member, or of the claimed first bytes only
        data = lie(package(bomb_xlsx), "xl/media/image1.png", 1_000, prefix_crc=prefix_crc)
        assert len(data) < 1024 * 1024
        assert whole_file_code(refused_import(callers, engagement, data)) == "compression_ratio"
        bomb_docx = lie(package({**DOCX_PARTS, "word/media/a.bin": b" " * (60 * 1024 * 1024)}), "word/media/a.bin", 1_000, prefix_crc=prefix_crc)
        error = refused_evidence(callers, engagement, bomb_docx, "証跡.docx")
        assert error["code"] == "office_file_refused" and "zip爆弾" in error["message"]
        assert refused_evidence(callers, engagement, data, "証跡.xlsx")["code"] == "office_file_refused"


def test_the_unpacked_limit_counts_the_bytes_read_not_the_headers(callers, engagement):
    _, exported = engagement
    data = lie(package({**parts_of(exported), "xl/media/a.bin": dense_but_not_suspicious()}), "xl/media/a.bin", 2_000)
    assert len(data) < 5 * 1024 * 1024
    assert whole_file_code(refused_import(callers, engagement, data)) == "unpacked_too_large"
    assert "展開後のサイズ" in refused_evidence(callers, engagement, data, "証跡.xlsx")["message"]


def test_a_member_larger_or_smaller_than_its_header_says_is_refused(callers, engagement):
    _, exported = engagement
    sheet = parts_of(exported)["xl/worksheets/sheet1.xml"]
    for claimed in (len(sheet) - 100, len(sheet) + 100):
        data = lie(exported, "xl/worksheets/sheet1.xml", claimed, prefix_crc=claimed < len(sheet))
        assert whole_file_code(refused_import(callers, engagement, data)) in ("inconsistent_package", "unreadable")
    docx = package(DOCX_PARTS)
    lying = lie(docx, "word/document.xml", 10, prefix_crc=True)
    assert refused_evidence(callers, engagement, lying, "証跡.docx")["code"] == "office_file_refused"


@pytest.mark.parametrize(
    "name",
    ["../evil.xml", "word/../../evil.xml", "/etc/evil.xml", "word\\evil.xml", "C:/evil.xml", "word/./document2.xml", "a/\x01.xml"],
)
def test_member_names_that_climb_out_are_refused(callers, engagement, name):
    _, exported = engagement
    error = refused_evidence(callers, engagement, package({**DOCX_PARTS, name: b"<x/>"}), "証跡.docx")
    assert error["code"] == "office_file_refused" and "不正な名前" in error["message"]
    assert whole_file_code(refused_import(callers, engagement, package({**parts_of(exported), name: b"<x/>"}))) == "unsafe_member_name"


@pytest.mark.parametrize("name", ["word/vbaProject.bin", "VBAPROJECT.BIN", "xl/sub/VbaProject.bin", "customUI/vbaproject.bin"])
def test_macros_under_any_path_and_case_are_refused(callers, engagement, name):
    _, exported = engagement
    assert "マクロ" in refused_evidence(callers, engagement, package({**DOCX_PARTS, name: b"\x00" * 64}), "証跡.docx")["message"]
    assert "マクロ" in refused_evidence(callers, engagement, package({**parts_of(exported), name: b"\x00" * 64}), "証跡.xlsx")["message"]
    assert whole_file_code(refused_import(callers, engagement, package({**parts_of(exported), name: b"\x00" * 64}))) == "macro"


def test_evidence_packages_get_the_imports_structural_checks(callers, engagement):
    created, exported = engagement
    no_types = {name: content for name, content in DOCX_PARTS.items() if name != "[Content_Types].xml"}
    assert "Word（.docx）形式" in refused_evidence(callers, engagement, package(no_types), "証跡.docx")["message"]
    assert "Word（.docx）形式" in refused_evidence(callers, engagement, exported, "証跡.docx")["message"]  # an xlsx named .docx
    dtd = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document>&e;</w:document>'
    assert "DOCTYPE" in refused_evidence(callers, engagement, package({**DOCX_PARTS, "word/document.xml": dtd}), "証跡.docx")["message"]
    many = {**DOCX_PARTS, **{f"word/media/{i}.txt": b"x" for i in range(ooxml.MAX_MEMBERS)}}
    assert "要素が多すぎます" in refused_evidence(callers, engagement, package(many), "証跡.docx")["message"]
    twice = io.BytesIO()
    with zipfile.ZipFile(twice, "w") as archive:
        for name, content in DOCX_PARTS.items():
            archive.writestr(name, content)
        archive.writestr("WORD/document.xml", b"<other/>")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("word/document.xml", b"<other/>")
    assert "重複" in refused_evidence(callers, engagement, twice.getvalue(), "証跡.docx")["message"]
    encrypted = ooxml.OLE_MAGIC + bytes(4_000)
    assert refused_evidence(callers, engagement, encrypted, "証跡.docx")["field"] == "file"

    plain = attach(callers.connector, created["id"], package(DOCX_PARTS), "証跡.docx")
    assert plain.status_code == 201, plain.json
    assert attach(callers.connector, created["id"], exported, "フォーマット.xlsx").status_code == 201


# ------------------------------------------------------------------------------ finding 2: the sheet's extent


@pytest.mark.parametrize(
    ("rows", "dimension"),
    [
        ('<row r="1048576"><c r="A1048576"><v>1</v></c></row>', "A1"),
        ("", "A1:XFD1048576"),
        ("", "A1:K20000"),
        ("", "A1:CW2"),
        ('<row r="2"><c r="CW2" t="inlineStr"><is><t>右端</t></is></c></row>', "A1"),
        ("".join(f"<row><c><v>{i * 7919 % 10007}</v></c></row>" for i in range(10_001)), "A1"),
        ('<row r="2">' + "<c><v>1</v></c>" * 101 + "</row>", "A1"),
    ],
    ids=["row-1048576", "dimension-XFD1048576", "dimension-rows", "dimension-columns", "column-CW", "rows-without-numbers", "cells-without-references"],
)
def test_a_sheet_reaching_past_the_limits_is_refused_before_it_is_read(callers, engagement, rows, dimension):
    _, exported = engagement
    data = package({**parts_of(exported), "xl/worksheets/sheet1.xml": sheet_part(header_row() + rows, dimension)})
    assert len(data) < 64 * 1024
    error = refused_import(callers, engagement, data)
    assert whole_file_code(error) == "sheet_too_large" and "シートが大きすぎます" in error["message"]


def test_a_sheet_within_the_limits_still_imports(callers, engagement):
    created, exported = engagement
    styled = '<row r="9999"><c r="CV9999"/></row>'  # formatting, no value, on the last row and column read
    data = package({**parts_of(exported), "xl/worksheets/sheet1.xml": sheet_part(header_row() + styled, "A1:CV9999")})
    response = upload(callers.connector, created["id"], data)
    assert response.status_code == 200, response.json


# ------------------------------------------------------------------------------ finding 3: cell text


def test_control_characters_in_cells_are_refused_naming_each_cell(callers, engagement):
    created, exported = engagement
    book = load_workbook(io.BytesIO(exported))
    sheet = book["フォーマット"]
    sheet["E2"], sheet["F2"] = "対応済", "削除文字\x7fあり"
    sheet["E3"], sheet["F3"], sheet["K3"] = "対応済", "C1制御\x85文字", "備考\x9b"
    sheet["E4"], sheet["F4"], sheet["G4"] = "対応済", "改行\r\nとタブ\tは可", "行頭\r改行"
    buffer = io.BytesIO()
    book.save(buffer)
    error = refused_import(callers, engagement, buffer.getvalue())
    refused = {(entry["cell"], entry.get("code")) for entry in error["errors"]}
    assert refused == {("F2", "control_characters"), ("F3", "control_characters"), ("K3", "control_characters")}
    messages = {entry["cell"]: entry["message"] for entry in error["errors"]}
    assert "現在の対応状況" in messages["F2"] and "U+007F" in messages["F2"] and "U+009B" in messages["K3"]

    for cell in ("F2", "F3", "K3"):
        sheet[cell] = "修正済み"
    buffer = io.BytesIO()
    book.save(buffer)
    imported = upload(callers.connector, created["id"], buffer.getvalue())
    assert imported.status_code == 200, imported.json
    answer = imported.json["items"][2]["answer"]
    assert answer["current_state"] == "改行\nとタブ\tは可" and answer["issues"] == "行頭\n改行"


def test_a_c0_character_reference_is_refused_as_unreadable(callers, engagement):
    _, exported = engagement
    row = '<row r="2"><c r="A2"><v>1</v></c><c r="E2" t="inlineStr"><is><t>対応済</t></is></c><c r="F2" t="inlineStr"><is><t>a&#x1;b</t></is></c></row>'
    data = package({**parts_of(exported), "xl/worksheets/sheet1.xml": sheet_part(header_row() + row)})
    assert "読み込めませんでした" in refused_import(callers, engagement, data)["message"]


def test_the_domains_rules_across_an_answer_name_the_cell(callers, engagement):
    _, exported = engagement
    book = load_workbook(io.BytesIO(exported))
    sheet = book["フォーマット"]
    sheet["E2"], sheet["F2"] = "未対応", "まだ"
    buffer = io.BytesIO()
    book.save(buffer)
    (entry,) = refused_import(callers, engagement, buffer.getvalue())["errors"]
    assert entry["cell"] == "H2" and "課題への対応計画を入力してください" in entry["message"]
