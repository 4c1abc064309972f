"""The review page offers what the caller may do, asked of the domain's own guards, and says
exactly what a bulk action did; answers that leave the フォーマット's columns empty are flagged."""

from __future__ import annotations

from tests.integration.conftest import answer_side
from tests.web.test_page_security import csrf_from, log_in

EXCEL_SECTION = 'id="excel"'
PREFILL = "回答ライブラリから未回答の項目に反映"
SAVE_TO_LIBRARY = "この案件の回答をライブラリに保存"


def page(client, engagement_id: str) -> str:
    return client.get(f"/engagements/{engagement_id}").get_data(as_text=True)


def test_bulk_actions_are_offered_only_while_the_pen_is_held(app, client, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="ペンの確認")
    eid = str(engagement.id)
    log_in(client, "staff@fintech.example")
    draft = page(client, eid)
    assert EXCEL_SECTION in draft and PREFILL in draft and SAVE_TO_LIBRARY in draft

    # nothing in the library yet: the fill says so instead of reporting success
    token = csrf_from(draft)
    nothing = client.post(f"/engagements/{eid}/prefill", data={"csrf_token": token}, follow_redirects=True)
    assert "反映できる項目はありませんでした。" in nothing.get_data(as_text=True)
    assert c.store.engagement(people.connector, eid).version == engagement.version

    engagement = answer_side(c, people.connector, engagement, ("connector", "common"))
    saved = client.post(f"/engagements/{eid}/library", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "項目の回答を回答ライブラリに保存しました。" in saved
    again = client.post(f"/engagements/{eid}/library", data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "保存した項目はありませんでした" in again
    library = client.get("/library").get_data(as_text=True)
    assert "（第1版）" in library and "（第2版）" not in library  # each entry counts its own saves

    engagement = answer_side(c, people.reviewer, engagement, ("bank",))
    c.review.submit(people.connector, engagement.id)
    submitted = page(client, eid)
    assert EXCEL_SECTION not in submitted and PREFILL not in submitted and SAVE_TO_LIBRARY not in submitted
    refused = client.post(f"/engagements/{eid}/prefill", data={"csrf_token": token})
    assert refused.status_code == 409 and "現在は回答を編集できません" in refused.get_data(as_text=True)

    # a question on item 1 hands the pen back for that item only
    c.review.ask_question(people.reviewer, engagement.id, 1, "多要素認証の方式は？")
    asked = page(client, eid)
    assert EXCEL_SECTION in asked and PREFILL in asked
    assert 'action="/engagements/{}/items/1/answer"'.format(eid) in asked
    assert 'action="/engagements/{}/items/2/answer"'.format(eid) not in asked

    client.post("/logout", data={"csrf_token": token})
    log_in(client, "auditor@bank.example")
    audited = page(client, eid)
    assert EXCEL_SECTION not in audited and "回答を保存" not in audited and "判定を記録" not in audited


def test_unmet_answers_need_their_plan_and_gaps_are_flagged(app, client, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="課題の記入")
    eid = str(engagement.id)
    log_in(client, "staff@fintech.example")
    token = csrf_from(page(client, eid))
    typed = {"csrf_token": token, "status": "not_implemented", "current_state": "未導入", "issues": "認証が単要素", "plan": ""}
    refused = client.post(f"/engagements/{eid}/items/1/answer", data=typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "「未対応」の回答には課題への対応計画を入力してください。" in html
    assert "認証が単要素" in html and "未導入" in html  # what was typed is kept

    partial = client.post(
        f"/engagements/{eid}/items/1/answer",
        data={**typed, "status": "partial", "issues": "", "plan": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "「一部対応」の回答ですが、課題認識・課題への対応計画が記入されていません。" in partial
    complete = client.post(
        f"/engagements/{eid}/items/1/answer",
        data={**typed, "status": "partial", "plan": "来期に導入する"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "が記入されていません" not in complete

    api = client.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": "correct horse battery"}).json["token"]
    refused = client.put(
        f"/api/v1/engagements/{eid}/items/2/answer",
        json={"status": "planned", "current_state": "検討中"},
        headers={"Authorization": f"Bearer {api}"},
    )
    assert refused.status_code == 422 and refused.json["error"]["field"] == "plan"
