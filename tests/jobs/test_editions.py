"""A revised checklist edition: published by the liaison desk over the API, rolled out
by ``python -m jobs run edition_rollout``: engagements in monitoring get an
item_changed cycle for exactly the items that changed, keeping every other answer."""

from __future__ import annotations

import copy

import pytest

from service.catalogue import edition_to_dict
from service.app import create_app
from tests.api.conftest import login
from tests.jobs.test_jobs import run_job


def revised(container) -> dict:
    document = copy.deepcopy(edition_to_dict(container.editions.current()))
    document["edition"], document["title"], document["published"] = "2024.03", "API接続チェックリスト（2024年3月版）", "2024-03"
    item22 = next(item for item in document["items"] if item["number"] == 22)
    item22["objective"] = "システムアクセス時の多要素認証を実施する。"
    document["items"] = [item for item in document["items"] if item["number"] != 8]
    new = copy.deepcopy(document["items"][-1])
    new.update(number=45, objective="生成AI利用時の情報管理を実施する。")
    document["items"].append(new)
    document["categories"][-1]["numbers"] = [43, 45]
    return document


def test_only_the_liaison_publishes_well_formed_later_editions(container, people):
    client = create_app(container).test_client()
    liaison = login(client, "desk@fisc.example")
    reviewer = login(client, "reviewer@bank.example")
    document = revised(container)
    assert reviewer.post("/editions", json=document).status_code == 403
    broken = copy.deepcopy(document)
    broken["items"][3]["objective"] = ""
    refused = liaison.post("/editions", json=broken)
    assert refused.status_code == 422 and "通番4: 項目 'objective' が空です" in refused.json["error"]["message"]
    assert liaison.post("/editions", json={**copy.deepcopy(document), "edition": "2018.01"}).status_code == 422
    published = liaison.post("/editions", json=document)
    assert published.status_code == 201, published.json
    assert published.json["diff"] == {"changed": [22], "added": [45], "removed": [8]}
    assert liaison.post("/editions", json=document).status_code == 409
    assert [e["edition"] for e in reviewer.get("/editions").json] == ["2019.03", "2024.03"]
    assert reviewer.get("/checklist/current").json["edition"] == "2024.03"
    assert len(reviewer.get("/checklist/current").json["items"]) == 44


@pytest.mark.slow
def test_rollout_keeps_unchanged_answers_and_opens_exactly_the_changed_items(container, people, store):
    c = container
    client = create_app(container).test_client()
    liaison = login(client, "desk@fisc.example")
    reviewer = login(client, "reviewer@bank.example")
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="全項目の審査")
    for item in engagement.items:
        actor = people.reviewer if item["party"] == "bank" else people.connector
        engagement = c.review.save_answer(actor, engagement.id, item["number"], status="implemented", current_state=f"回答{item['number']}")
    c.review.submit(people.connector, engagement.id)
    for number in engagement.active_numbers():
        c.review.judge_item(people.reviewer, engagement.id, number, verdict="satisfied")
    c.review.decide(people.reviewer, engagement.id, outcome="approved", comment="承認")
    draft = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="作成中")
    clash = c.engagements.open_engagement(
        people.reviewer, connector_org_id=people.connector.org_id, title="独自項目",
        custom_items=[{"objective": "独自の確認", "party": "connector"}],
        dropped_items=[{"number": n, "reason": "対象外"} for n in range(2, 45)],
    )
    c.review.save_answer(people.connector, clash.id, 1, status="implemented", current_state="済")
    c.review.save_answer(people.connector, clash.id, 45, status="implemented", current_state="済")
    c.review.submit(people.connector, clash.id)
    for number in (1, 45):
        c.review.judge_item(people.reviewer, clash.id, number, verdict="satisfied")
    c.review.decide(people.reviewer, clash.id, outcome="approved", comment="承認")

    assert liaison.post("/editions", json=revised(container)).status_code == 201
    result = run_job(store, "edition_rollout", c.store.today())
    assert (result["moved"], result["cycles"], result["conflicts"]) == (1, 1, [str(clash.id)])
    assert run_job(store, "edition_rollout", c.store.today())["moved"] == 0  # a rerun changes nothing

    moved = c.store.engagement(people.auditor, engagement.id)
    assert moved.edition == "2024.03" and moved.state == "draft"
    assert (moved.cycle["reason"], moved.cycle["items"]) == ("item_changed", [22, 45])
    assert moved.item(22)["objective"] == "システムアクセス時の多要素認証を実施する。"
    assert moved.item(22)["answer"]["current_state"] == "回答22" and moved.item(22)["judgement"] is None
    assert moved.item(23)["judgement"]["verdict"] == "satisfied"  # unchanged: kept
    assert moved.item(8)["dropped"]["reason"].startswith("チェックリスト改訂")
    assert moved.item(45)["answer"] is None and moved.item(45)["custom"] is False
    assert c.store.engagement(people.reviewer, draft.id).edition == "2019.03"  # drafts move by hand
    adopted = reviewer.post(f"/engagements/{draft.id}/edition", json={})
    assert adopted.status_code == 200 and adopted.json["edition"] == "2024.03" and adopted.json["state"] == "draft"
    items = {row["number"]: row for row in container.views.items(people.reviewer, str(engagement.id))}
    assert items[8]["dropped"] and items[45]["in_cycle"] and items[22]["in_cycle"] and not items[23]["in_cycle"]
    conflict = reviewer.post(f"/engagements/{clash.id}/edition", json={})
    assert conflict.status_code == 409 and conflict.json["error"]["code"] == "edition_conflict"
