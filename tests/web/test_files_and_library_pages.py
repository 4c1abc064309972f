"""Pages for evidence, Excel import/export and the answer library (Flask test client)."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from tests.web.test_page_security import csrf_from, log_in

PDF = b"%PDF-1.4\n%%EOF\n"


def test_connector_attaches_evidence_imports_excel_and_uses_the_library(app, client, people):
    container = app.extensions["container"]
    engagement = container.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="画面から")
    eid = str(engagement.id)
    log_in(client, "staff@fintech.example")
    page = client.get(f"/engagements/{eid}").get_data(as_text=True)
    token = csrf_from(page)

    attached = client.post(
        f"/engagements/{eid}/items/1/evidence",
        data={"csrf_token": token, "expected_version": str(engagement.version), "file": (io.BytesIO(PDF), "規程.pdf")},
        content_type="multipart/form-data",
    )
    assert attached.status_code == 303
    html = client.get(f"/engagements/{eid}").get_data(as_text=True)
    assert "規程.pdf" in html
    sha = container.store.engagement(people.connector, eid).item(1)["evidence"][0]["sha256"]
    assert client.get(f"/engagements/{eid}/evidence/{sha}").data == PDF

    exported = client.get(f"/engagements/{eid}/export.xlsx")
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.data))
    sheet = book["フォーマット"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("対応状況区分") + 1, value="ありえない区分")
    sheet.cell(row=2, column=header.index("現在の対応状況") + 1, value="テスト")
    buffer = io.BytesIO()
    book.save(buffer)
    refused = client.post(
        f"/engagements/{eid}/import",
        data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "f.xlsx")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Excelファイルを取り込めませんでした" in text and "フォーマット" in text
    sheet.cell(row=2, column=header.index("対応状況区分") + 1, value="対応済")
    buffer = io.BytesIO()
    book.save(buffer)
    done = client.post(
        f"/engagements/{eid}/import",
        data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "f.xlsx")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    assert container.store.engagement(people.connector, eid).item(1)["answer"]["current_state"] == "テスト"

    saved = client.post(f"/engagements/{eid}/library", data={"csrf_token": token})
    assert saved.status_code == 303
    library_page = client.get("/library").get_data(as_text=True)
    assert "テスト" in library_page
    shared = client.post("/library/shares", data={"csrf_token": token, "bank_org_id": people.reviewer.org_id})
    assert shared.status_code == 303
    today = container.store.today()
    registered = client.post(
        "/library/certifications",
        data={
            "csrf_token": token, "kind": "pmark", "scope": "全社", "issuer": "JIPDEC",
            "valid_from": (today - timedelta(days=10)).isoformat(), "valid_until": (today + timedelta(days=20)).isoformat(),
            "items": ["1", "2"], "file": (io.BytesIO(PDF), "Pマーク.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert registered.status_code == 303
    bad = client.post("/library/certifications", data={"csrf_token": token, "kind": "pmark", "scope": "", "issuer": "x", "valid_from": "x"})
    assert bad.status_code == 422 and "日付を入力してください" in bad.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})

    log_in(client, "reviewer@bank.example")
    libraries = client.get("/libraries").get_data(as_text=True)
    assert "フィンテック株式会社" in libraries and "Pマーク.pdf" in libraries
    board = client.get("/").get_data(as_text=True)
    assert (today + timedelta(days=20)).isoformat() in board  # the expiry shows on the board
