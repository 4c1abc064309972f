"""Tailoring from the review page: a custom item with the catalogue's fields, an item dropped
and restored, the engagement's tailoring kept as a template and offered when opening."""

from __future__ import annotations

import re

from tests.web.test_page_security import csrf_from, log_in


def test_a_reviewer_tailors_the_review_and_reuses_it(app, client, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="画面で調整")
    eid = str(engagement.id)
    log_in(client, "reviewer@bank.example")
    page = client.get(f"/engagements/{eid}").get_data(as_text=True)
    assert 'id="tailoring"' in page and "この項目を審査対象から外す" in page
    token = csrf_from(page)

    refused = client.post(f"/engagements/{eid}/custom-items", data={"csrf_token": token, "objective": " ", "party": "bank", "explanation": "残す説明"})
    assert refused.status_code == 422
    assert "残す説明" in refused.get_data(as_text=True)  # what was typed comes back

    added = client.post(
        f"/engagements/{eid}/custom-items",
        data={
            "csrf_token": token,
            "objective": "委託先の監査報告書を毎年受領する。",
            "party": "connector",
            "category": "当行独自",
            "explanation": "外部委託先の管理状況を確認する。",
            "methods": "＜手順＞\n監査報告書を受領する\n指摘事項の対応を確認する",
            "references": "安全対策基準｜統20",
        },
        follow_redirects=True,
    )
    html = added.get_data(as_text=True)
    assert "独自項目を通番45として追加しました。" in html
    card = html[html.index('id="item-45"') :]
    assert "外部委託先の管理状況を確認する。" in card and "指摘事項の対応を確認する" in card and "統20" in card
    item = c.store.engagement(people.reviewer, eid).item(45)
    assert item["methods"] == [
        {"group": "＜手順＞", "text": "監査報告書を受領する"},
        {"group": "＜手順＞", "text": "指摘事項の対応を確認する"},
    ]
    assert item["references"] == [{"source": "安全対策基準", "location": "統20"}]

    client.post(f"/engagements/{eid}/items/6/drop", data={"csrf_token": token, "reason": "該当する機能がない"}, follow_redirects=True)
    assert c.store.engagement(people.reviewer, eid).item(6)["dropped"]["reason"] == "該当する機能がない"
    client.post(f"/engagements/{eid}/items/7/drop", data={"csrf_token": token, "reason": "一時的に除外"}, follow_redirects=True)
    restored = client.post(f"/engagements/{eid}/items/7/restore", data={"csrf_token": token}, follow_redirects=True)
    assert "通番7を審査対象に戻しました。" in restored.get_data(as_text=True)

    saved = client.post(f"/engagements/{eid}/tailoring-template", data={"csrf_token": token, "name": "委託先管理の標準"}, follow_redirects=True)
    assert "テンプレート「委託先管理の標準」として保存しました" in saved.get_data(as_text=True)
    (template,) = c.tailoring.templates_of_bank(people.reviewer)
    assert template["dropped_items"] == [{"number": 6, "reason": "該当する機能がない"}]
    assert template["custom_items"][0]["objective"] == "委託先の監査報告書を毎年受領する。"

    new = client.get("/engagements/new").get_data(as_text=True)
    assert re.search(rf'<option value="{template["id"]}"[^>]*>委託先管理の標準（削除1・独自1項目）</option>', new)
    opened = client.post(
        "/engagements/new",
        data={"csrf_token": csrf_from(new), "title": "テンプレートで開始", "connector_org_id": people.connector.org_id, "template_id": template["id"]},
    )
    assert opened.status_code == 303
    second = c.store.engagement(people.reviewer, opened.headers["Location"].rstrip("/").split("/")[-1])
    assert second.item(6)["dropped"]["reason"] == "該当する機能がない" and second.item(45)["category"] == "当行独自"


def test_the_connector_is_offered_no_tailoring(app, client, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="接続先の画面")
    log_in(client, "staff@fintech.example")
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert 'id="tailoring"' not in page and "審査対象から外す" not in page
