"""The review page shows a 共通 item's two statements side by side, and each side's form edits
its own statement."""

from __future__ import annotations

import re

from tests.web.test_page_security import csrf_from, log_in

COMMON = 9


def section(html: str, side: str) -> str:
    match = re.search(rf'<section class="voice voice-{side}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no {side} voice"
    return match.group(1)


def item_card(html: str, number: int) -> str:
    start = html.index(f'id="item-{number}"')
    return html[start : html.index('id="item-', start + 10)]


def test_both_voices_side_by_side_and_each_form_starts_from_its_own(app, client, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="二つの記入")
    eid = str(engagement.id)
    c.review.save_answer(people.connector, eid, COMMON, status="implemented", current_state="接続先の記入です")

    log_in(client, "reviewer@bank.example")
    page = client.get(f"/engagements/{eid}").get_data(as_text=True)
    saved = client.post(
        f"/engagements/{eid}/items/{COMMON}/answer",
        data={"csrf_token": csrf_from(page), "status": "partial", "current_state": "銀行の記入です", "issues": "要確認"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    card = item_card(saved.get_data(as_text=True), COMMON)
    assert "【API接続先】" in section(card, "connector") and "接続先の記入です" in section(card, "connector")
    assert "【金融機関】" in section(card, "bank") and "銀行の記入です" in section(card, "bank")
    assert "【金融機関】の記入を修正する" in card
    assert re.search(r'<textarea name="current_state"[^>]*>銀行の記入です</textarea>', card)

    client.post("/logout", data={"csrf_token": csrf_from(page)})
    log_in(client, "staff@fintech.example")
    card = item_card(client.get(f"/engagements/{eid}").get_data(as_text=True), COMMON)
    assert "銀行の記入です" in section(card, "bank")  # the connector reads the bank's part too
    assert "【API接続先】の記入を修正する" in card
    assert re.search(r'<textarea name="current_state"[^>]*>接続先の記入です</textarea>', card)


def test_a_single_party_item_has_one_statement_without_labels(app, client, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="一つの記入")
    c.review.save_answer(people.connector, str(engagement.id), 1, status="implemented", current_state="接続先のみ")
    log_in(client, "reviewer@bank.example")
    card = item_card(client.get(f"/engagements/{engagement.id}").get_data(as_text=True), 1)
    assert "接続先のみ" in section(card, "connector") and "【API接続先】" not in card
