"""The FISC フォーマット over HTTP: export with a Japanese file name, import all-or-nothing
with every bad cell listed, hostile files refused, formula-like text kept as text."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import unquote

from openpyxl import load_workbook


def upload(caller, eid: str, data: bytes, name: str = "format.xlsx"):
    return caller.post(
        f"/engagements/{eid}/import.xlsx", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_export_edit_import_round_trip(callers, people):
    reviewer, connector = callers.reviewer, callers.connector
    engagement = reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "Excel連携"}).json
    eid = engagement["id"]
    connector.put(f"/engagements/{eid}/items/1/answer", json={"status": "implemented", "current_state": "=HYPERLINK(\"http://evil\")"})

    exported = connector.get(f"/engagements/{eid}/export.xlsx")
    assert exported.status_code == 200
    assert exported.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = exported.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and "Excel連携" in unquote(disposition.split("''", 1)[1])
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    sheets = load_workbook(io.BytesIO(exported.data)).sheetnames
    assert sheets == ["フォーマット"]  # the connector gets no review sheets
    assert len(load_workbook(io.BytesIO(reviewer.get(f"/engagements/{eid}/export.xlsx").data)).sheetnames) > 1
    assert callers.other_reviewer.get(f"/engagements/{eid}/export.xlsx").status_code == 404

    unchanged = upload(connector, eid, exported.data)
    assert unchanged.status_code == 200 and unchanged.json["version"] == engagement["version"] + 1  # only the answer above

    book = load_workbook(io.BytesIO(exported.data))
    sheet = book["フォーマット"]
    header = [cell.value for cell in sheet[1]]
    column = {name: header.index(name) + 1 for name in header}
    for row in range(2, 5):
        sheet.cell(row=row, column=column["対応状況区分"], value="一部対応")
        sheet.cell(row=row, column=column["現在の対応状況"], value=f"行{row}の回答\n二行目")
    buffer = io.BytesIO()
    book.save(buffer)
    imported = upload(connector, eid, buffer.getvalue())
    assert imported.status_code == 200, imported.json
    answers = {item["number"]: item["answer"] for item in imported.json["items"]}
    assert answers[2]["status"] == "partial" and answers[2]["current_state"] == "行3の回答\n二行目"
    assert answers[1]["current_state"] == "行2の回答\n二行目"


def test_import_refuses_bad_and_hostile_files_and_changes_nothing(callers, people):
    reviewer, connector = callers.reviewer, callers.connector
    engagement = reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "取込検証"}).json
    eid = engagement["id"]
    exported = connector.get(f"/engagements/{eid}/export.xlsx").data
    book = load_workbook(io.BytesIO(exported))
    sheet = book["フォーマット"]
    header = [cell.value for cell in sheet[1]]
    column = {name: header.index(name) + 1 for name in header}
    sheet.cell(row=2, column=column["対応状況区分"], value="たぶん対応")
    sheet.cell(row=2, column=column["現在の対応状況"], value="x")
    sheet.cell(row=3, column=column["セキュリティ対応目標"], value="書き換えた目標")
    sheet.cell(row=3, column=column["現在の対応状況"], value="y")
    sheet.cell(row=3, column=column["対応状況区分"], value="対応済")
    sheet.cell(row=4, column=column["現在の対応状況"], value="区分なし")
    buffer = io.BytesIO()
    book.save(buffer)
    refused = upload(connector, eid, buffer.getvalue())
    assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid_workbook"
    cells = {(e["sheet"], e["cell"]) for e in refused.json["error"]["errors"]}
    assert len(refused.json["error"]["errors"]) >= 3 and all(sheet == "フォーマット" for sheet, _ in cells)
    assert connector.get(f"/engagements/{eid}").json["version"] == engagement["version"]

    assert upload(connector, eid, b"not a spreadsheet at all").status_code == 422
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as archive, zipfile.ZipFile(io.BytesIO(exported)) as original:
        for name in original.namelist():
            archive.writestr(name, original.read(name))
        archive.writestr("xl/vbaProject.bin", b"\x00" * 100)
    assert upload(connector, eid, macro.getvalue(), "format.xlsm").status_code == 422
    big = upload(connector, eid, b"PK" + b"\x00" * (5 * 1024 * 1024 + 10))
    assert big.status_code == 413
    assert callers.auditor.post(f"/engagements/{eid}/import.xlsx", data={"file": (io.BytesIO(exported), "f.xlsx")}, content_type="multipart/form-data").status_code == 403
    assert callers.other_connector.post(f"/engagements/{eid}/import.xlsx", data={"file": (io.BytesIO(exported), "f.xlsx")}, content_type="multipart/form-data").status_code == 404
    assert connector.get(f"/engagements/{eid}").json["version"] == engagement["version"]


def test_an_answer_too_long_to_print_is_marked_printed_in_full_and_still_round_trips(callers, people):
    reviewer, connector = callers.reviewer, callers.connector
    engagement = reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "長文&印刷"}).json
    eid = engagement["id"]
    long_answer = "\n".join(f"{i}. 多要素認証はワンタイムパスワードと端末認証を併用しています。" for i in range(1, 300))
    saved = connector.put(f"/engagements/{eid}/items/1/answer", json={"status": "implemented", "current_state": long_answer})
    assert saved.status_code == 200, saved.json

    exported = connector.get(f"/engagements/{eid}/export.xlsx")
    book = load_workbook(io.BytesIO(exported.data))
    assert book.sheetnames == ["フォーマット", "全文（印刷用）"]
    sheet = book["フォーマット"]
    assert sheet["A2"].value == 1 and sheet["A2"].number_format == '0"※"' and sheet["F2"].value == long_answer
    assert sheet.oddHeader.left.text == f"長文&&印刷（{people.connector.org_name}）" and sheet.oddFooter.center.text == "&P / &N"
    pieces = [row for row in book["全文（印刷用）"].iter_rows(min_row=2, values_only=True)]
    assert {row[:3] for row in pieces} == {("フォーマット", 1, "現在の対応状況")} and len(pieces) > 1
    assert "\n".join(row[4] for row in pieces) == long_answer

    version = connector.get(f"/engagements/{eid}").json["version"]
    unchanged = upload(connector, eid, exported.data)
    assert unchanged.status_code == 200 and unchanged.json["version"] == version
    sheet["F2"] = long_answer + "\n追記"
    buffer = io.BytesIO()
    book.save(buffer)
    imported = upload(connector, eid, buffer.getvalue())
    assert imported.status_code == 200, imported.json
    assert imported.json["items"][0]["answer"]["current_state"] == long_answer + "\n追記"
