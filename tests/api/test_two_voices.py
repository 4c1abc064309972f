"""Both voices on a 共通 item through the API: each side's write keeps the other's statement,
in the engagement, the timeline, the cycle diff and the フォーマット (export and import)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

COMMON = 9  # 共通 in the 2019.03 edition


def opened(callers, people) -> str:
    response = callers.reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "共通項目"})
    assert response.status_code == 201
    return response.json["id"]


def write(caller, eid: str, text: str, status: str = "implemented"):
    response = caller.put(f"/engagements/{eid}/items/{COMMON}/answer", json={"status": status, "current_state": text})
    assert response.status_code == 200, response.json
    return response.json


def item_of(engagement: dict, number: int = COMMON) -> dict:
    return next(item for item in engagement["items"] if item["number"] == number)


def test_a_banks_write_never_replaces_the_connectors_statement(callers, people):
    eid = opened(callers, people)
    write(callers.connector, eid, "接続先：外部委託先を年1回監査")
    after = write(callers.reviewer, eid, "銀行：監査報告書を受領して確認", status="partial")
    item = item_of(after)
    assert item["answers"]["connector"]["current_state"] == "接続先：外部委託先を年1回監査"
    assert item["answers"]["bank"]["current_state"] == "銀行：監査報告書を受領して確認"
    assert item["answers"]["bank"]["by"]["org"] == "東西銀行"
    assert item["answer"] == item["answers"]["connector"]  # the contract's `answer`: the connector's on a 共通 item
    for caller in (callers.connector, callers.auditor):
        assert item_of(caller.get(f"/engagements/{eid}").json)["answers"] == item["answers"]
    texts = [entry["text"] for entry in callers.reviewer.get(f"/engagements/{eid}/timeline").json if entry["item"] == COMMON]
    assert texts == ["【API接続先】対応済: 接続先：外部委託先を年1回監査", "【金融機関】一部対応: 銀行：監査報告書を受領して確認"]


def test_a_bank_item_has_only_the_banks_voice(callers, people):
    eid = opened(callers, people)
    response = callers.reviewer.put("/engagements/{}/items/38/answer".format(eid), json={"status": "implemented", "current_state": "銀行の対応"})
    item = item_of(response.json, 38)
    assert item["answers"]["connector"] is None and item["answer"] == item["answers"]["bank"]


def test_the_format_carries_both_parts_and_each_side_imports_its_own(callers, people):
    eid = opened(callers, people)
    write(callers.connector, eid, "接続先の記入")
    write(callers.reviewer, eid, "銀行の記入")
    exported = callers.reviewer.get(f"/engagements/{eid}/export.xlsx").data
    book = load_workbook(io.BytesIO(exported))
    sheet = book["フォーマット"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == COMMON)
    cell = sheet.cell(row=row, column=header.index("現在の対応状況") + 1)
    assert cell.value == "【API接続先】\n接続先の記入\n【金融機関】\n銀行の記入"
    cell.value = "【API接続先】\n接続先の記入（改）\n【金融機関】\n接続先が書き換えた銀行欄"
    buffer = io.BytesIO()
    book.save(buffer)
    imported = callers.connector.post(
        f"/engagements/{eid}/import.xlsx",
        data={"file": (io.BytesIO(buffer.getvalue()), "format.xlsx")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 200, imported.json
    answers = item_of(imported.json)["answers"]
    assert answers["connector"]["current_state"] == "接続先の記入（改）"
    assert answers["bank"]["current_state"] == "銀行の記入"  # the connector's file never writes the bank's part
