"""Every HTTP error a page can meet is told in Japanese (title and message, never
Werkzeug's English), a 405 names the allowed methods, and a form sent with an expired CSRF
token keeps what the person typed: the engagement page comes back with the text in its
form and a fresh token; any other form shows the typed text to copy back."""

from __future__ import annotations

import html
import re

import pytest

from tests.integration.conftest import PASSWORD
from tests.web.test_page_security import csrf_from, log_in

ENGLISH = ("Not Found", "Forbidden", "Method Not Allowed", "The requested URL", "CSRF", "Bad Request", "Too Large")


@pytest.fixture
def engagement_id(app, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="エラー画面")
    return str(engagement.id)


def page_of(response, status: int, title: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    page = response.get_data(as_text=True)
    assert f"<h1>{title}（{status}）</h1>" in page and f"<title>{title}（{status}）" in page
    assert not [word for word in ENGLISH if word in page], page
    return page


def test_http_errors_of_pages_are_japanese(client, app, people, engagement_id):
    page_of(client.get("/no-such-page"), 404, "ページが見つかりません")
    log_in(client, "staff@fintech.example")
    page_of(client.get("/engagements/new"), 403, "権限がありません")  # reviewers only
    refused = client.delete(f"/engagements/{engagement_id}")
    assert "このページでは、その操作はできません。" in page_of(refused, 405, "許可されていない操作です")
    assert {m.strip() for m in refused.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    token = csrf_from(client.get(f"/engagements/{engagement_id}").get_data(as_text=True))
    huge = client.post(f"/engagements/{engagement_id}/items/1/answer", data={"csrf_token": token, "current_state": "あ" * (7 * 1024 * 1024)})
    page_of(huge, 413, "送信内容が大きすぎます")


def test_api_errors_of_http_itself_are_japanese_too(client):
    for response, status in ((client.get("/api/v1/no-such-route"), 404), (client.delete("/api/v1/checklist/current"), 405)):
        assert response.status_code == status
        assert response.json["error"]["message"] and not response.json["error"]["message"].isascii()


def test_an_expired_token_on_the_answer_form_keeps_what_was_typed(client, app, people, engagement_id):
    log_in(client, "staff@fintech.example")
    typed = {"status": "partial", "current_state": "多要素認証は導入済み。<b>一部</b>の画面は対象外。", "plan": "2027年3月までに全画面へ展開する。"}
    expired = client.post(f"/engagements/{engagement_id}/items/1/answer", data={"csrf_token": "expired", "expected_version": "1", **typed})
    assert expired.status_code == 400
    page = expired.get_data(as_text=True)
    assert "画面の有効期限が切れました。もう一度送信してください。" in page
    assert html.escape(typed["current_state"], quote=False) in page and typed["plan"] in page
    assert re.search(r'<option value="partial"[^>]*selected', page)
    fresh = csrf_from(page)
    assert fresh != "expired"
    sent_again = client.post(f"/engagements/{engagement_id}/items/1/answer", data={"csrf_token": fresh, "expected_version": "1", **typed})
    assert sent_again.status_code == 303
    answer = app.extensions["container"].store.engagement(people.connector, engagement_id).item(1)["answer"]
    assert answer["current_state"] == typed["current_state"] and answer["status"] == "partial"


def test_an_expired_token_on_the_question_form_keeps_the_question(client, app, people, engagement_id):
    c = app.extensions["container"]
    engagement = c.store.engagement(people.connector, engagement_id)
    for item in engagement.items:
        if item["party"] in ("connector", "common") and item["dropped"] is None:
            c.review.save_answer(people.connector, engagement_id, item["number"], status="implemented", current_state="実施")
    c.review.submit(people.connector, engagement_id)
    log_in(client, "reviewer@bank.example")
    question = "鍵の保管場所はどこですか？"
    expired = client.post(f"/engagements/{engagement_id}/items/22/questions", data={"csrf_token": "x", "text": question})
    assert expired.status_code == 400 and question in expired.get_data(as_text=True)
    assert "画面の有効期限が切れました" in expired.get_data(as_text=True)


def test_an_expired_token_elsewhere_shows_the_typed_text_but_no_secret(client, people):
    refused = client.post("/login", data={"email": "reviewer@bank.example", "password": PASSWORD})
    page = page_of(refused, 400, "画面の有効期限が切れました")
    assert "reviewer@bank.example" in page and PASSWORD not in page


def test_a_nul_in_a_page_request_is_refused_before_any_lookup(client, people, engagement_id):
    """PostgreSQL answers a NUL with an error even in a search: refused first, on every store."""
    log_in(client, "staff@fintech.example")
    token = csrf_from(client.get("/library").get_data(as_text=True))
    for response in (
        client.get("/?q=%00"),
        client.get("/inbox?after=a%00"),
        client.get("/engagements/%00"),
        client.post("/library/shares", data={"csrf_token": token, "bank_org_id": "\x00x"}),
        client.post("/library/shares/%00/revoke", data={"csrf_token": token}),
    ):
        page = page_of(response, 422, "入力内容に誤りがあります")
        assert "使用できない文字（U+0000）" in page


def test_an_expired_token_on_another_organisations_engagement_reveals_nothing(client, people, engagement_id):
    log_in(client, "staff@other.example")
    refused = client.post(f"/engagements/{engagement_id}/items/1/answer", data={"csrf_token": "x", "current_state": "入力した文"})
    page = page_of(refused, 400, "画面の有効期限が切れました")
    assert "エラー画面" not in page and "入力した文" in page and page.count("画面の有効期限が切れました。もう一度送信してください。") == 1
