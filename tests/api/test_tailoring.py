"""Tailoring during the review over HTTP (contract: custom-items, drop, restore, templates):
until the decision, by the bank's reviewers only, each change an event on the timeline; a
bank's templates reused when it opens an engagement and never seen by another bank."""

from __future__ import annotations

CUSTOM = {
    "objective": "暗号鍵を年1回更新し、その記録を保管する。",
    "party": "common",
    "category": "当行独自",
    "explanation": "鍵の保管・更新の手順と記録を確認する。",
    "methods": [{"group": "＜手順＞", "text": "更新記録を保管する"}],
    "references": [{"source": "安全対策基準", "location": "実3"}],
}


def submitted(callers, people) -> dict:
    reviewer, connector = callers.reviewer, callers.connector
    engagement = reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "調整"}).json
    eid = engagement["id"]
    for item in engagement["items"]:
        if item["party"] != "bank":
            connector.put(f"/engagements/{eid}/items/{item['number']}/answer", json={"status": "implemented", "current_state": "実施"})
    assert connector.post(f"/engagements/{eid}/submit", json={}).status_code == 200
    return reviewer.get(f"/engagements/{eid}").json


def item_of(engagement: dict, number: int) -> dict:
    return next(item for item in engagement["items"] if item["number"] == number)


def test_custom_items_drop_and_restore_during_the_review(callers, people):
    engagement = submitted(callers, people)
    eid = engagement["id"]
    added = callers.reviewer.post(f"/engagements/{eid}/custom-items", json={**CUSTOM, "expected_version": engagement["version"]})
    assert added.status_code == 201, added.json
    custom = item_of(added.json, 45)
    assert custom["custom"] and custom["explanation"] == CUSTOM["explanation"]
    assert custom["methods"] == CUSTOM["methods"] and custom["references"] == CUSTOM["references"]
    assert 45 in added.json["cycle"]["items"] and custom["in_cycle"]

    dropped = callers.reviewer.post(f"/engagements/{eid}/items/6/drop", json={"reason": "当行の利用形態では該当しない"})
    assert dropped.status_code == 200 and item_of(dropped.json, 6)["dropped"] == {"reason": "当行の利用形態では該当しない"}
    assert 6 not in dropped.json["cycle"]["items"]
    restored = callers.reviewer.post(f"/engagements/{eid}/items/6/restore", json={})
    assert restored.status_code == 200 and item_of(restored.json, 6)["dropped"] is None and 6 in restored.json["cycle"]["items"]
    again = callers.reviewer.post(f"/engagements/{eid}/items/6/restore", json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "item_not_dropped"

    types = [entry["type"] for entry in callers.auditor.get(f"/engagements/{eid}/timeline").json]
    assert types[-3:] == ["CustomItemAdded", "ItemDropped", "ItemRestored"]


def test_tailoring_is_the_banks_reviewers_and_ends_with_the_decision(callers, people):
    engagement = submitted(callers, people)
    eid = engagement["id"]
    assert callers.connector.post(f"/engagements/{eid}/items/6/drop", json={"reason": "x"}).status_code == 403
    assert callers.auditor.post(f"/engagements/{eid}/custom-items", json=CUSTOM).status_code == 403
    assert callers.other_reviewer.post(f"/engagements/{eid}/items/6/drop", json={"reason": "x"}).status_code == 404
    refused = callers.reviewer.post(f"/engagements/{eid}/custom-items", json={**CUSTOM, "methods": [{"group": "＜a＞", "text": ""}]})
    assert refused.status_code == 422
    for item in engagement["items"]:
        callers.reviewer.put(f"/engagements/{eid}/items/{item['number']}/judgement", json={"verdict": "satisfied"})
    decided = callers.reviewer.post(f"/engagements/{eid}/decision", json={"outcome": "approved", "comment": "承認"})
    assert decided.status_code == 200, decided.json
    late = callers.reviewer.post(f"/engagements/{eid}/items/6/drop", json={"reason": "判定の後"})
    assert late.status_code == 409 and late.json["error"]["code"] == "wrong_state"


def test_a_banks_template_opens_engagements_with_its_tailoring(callers, people):
    created = callers.reviewer.post(
        "/tailoring-templates",
        json={"name": "参照系APIの標準", "dropped_items": [{"number": 33, "reason": "アプリを提供しない"}], "custom_items": [CUSTOM]},
    )
    assert created.status_code == 201, created.json
    template_id = created.json["id"]
    listed = callers.reviewer.get("/tailoring-templates").json
    assert [t["name"] for t in listed] == ["参照系APIの標準"] and listed[0]["custom_items"][0]["methods"] == CUSTOM["methods"]
    assert callers.other_reviewer.get("/tailoring-templates").json == []  # another bank sees none of them

    opened = callers.reviewer.post(
        "/engagements",
        json={
            "connector_org_id": people.connector.org_id,
            "title": "テンプレートから",
            "template_id": template_id,
            "dropped_items": [{"number": 34, "reason": "個別に削除"}],
        },
    )
    assert opened.status_code == 201, opened.json
    assert item_of(opened.json, 33)["dropped"] == {"reason": "アプリを提供しない"}
    assert item_of(opened.json, 34)["dropped"] == {"reason": "個別に削除"}
    assert item_of(opened.json, 45)["objective"] == CUSTOM["objective"] and item_of(opened.json, 45)["references"] == CUSTOM["references"]

    foreign = callers.other_reviewer.post(
        "/engagements", json={"connector_org_id": people.connector.org_id, "title": "他行", "template_id": template_id}
    )
    assert foreign.status_code == 404
    assert callers.connector.get("/tailoring-templates").status_code == 403
    empty = callers.reviewer.post("/tailoring-templates", json={"name": "空"})
    assert empty.status_code == 422
