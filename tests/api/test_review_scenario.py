"""The contract's full review scenario through HTTP only, on each store."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest


def answer_items(caller, engagement, parties, text="実施している。"):
    for item in engagement["items"]:
        if item["party"] in parties and item["dropped"] is None and item["in_cycle"]:
            response = caller.put(
                f"/engagements/{engagement['id']}/items/{item['number']}/answer",
                json={"status": "implemented", "current_state": text, "expected_version": engagement["version"]},
            )
            assert response.status_code == 200, response.json
            engagement = response.json
    return engagement


@pytest.mark.slow
def test_open_answer_submit_question_reply_close_judge_decide_and_annual_cycle(callers, people):
    reviewer, connector, auditor = callers.reviewer, callers.connector, callers.auditor

    checklist = reviewer.get("/checklist/current").json
    assert len(checklist["items"]) == 44

    created = reviewer.post(
        "/engagements",
        json={
            "connector_org_id": people.connector.org_id,
            "title": "家計簿アプリ 参照系API",
            "dropped_items": [{"number": 33, "reason": "アプリを提供しない"}],
            "custom_items": [{"objective": "当行の利用規約に同意する。", "party": "connector"}],
        },
    )
    assert created.status_code == 201, created.json
    engagement = created.json
    eid = engagement["id"]
    assert engagement["state"] == "draft" and engagement["cycle"] == {"number": 1, "reason": "initial", "items": engagement["cycle"]["items"]}
    assert engagement["items"][32]["dropped"] == {"reason": "アプリを提供しない"}
    assert engagement["items"][-1]["number"] == 45 and engagement["items"][-1]["custom"] is True
    assert [row["id"] for row in connector.get("/engagements").json] == [eid]

    early = connector.post(f"/engagements/{eid}/submit", json={})
    assert early.status_code == 409 and early.json["error"]["code"] == "answers_missing"
    assert 1 in early.json["error"]["items"] and 38 not in early.json["error"]["items"]

    engagement = answer_items(connector, engagement, ("connector", "common"))
    engagement = answer_items(reviewer, engagement, ("bank",), text="当行で実施。")
    answer = engagement["items"][0]["answer"]
    assert answer["status"] == "implemented" and answer["by"]["name"] == "staff" and answer["by"]["org"] == "フィンテック株式会社"

    submitted = connector.post(f"/engagements/{eid}/submit", json={"expected_version": engagement["version"]})
    assert submitted.status_code == 200 and submitted.json["state"] == "submitted"

    asked = reviewer.post(f"/engagements/{eid}/items/22/questions", json={"text": "多要素認証の方式は？"})
    assert asked.status_code == 201 and set(asked.json) == {"question_id", "version"}
    qid = asked.json["question_id"]
    assert [e["kind"] for e in connector.get("/inbox").json] == ["question_to_answer"]

    replied = connector.post(f"/engagements/{eid}/questions/{qid}/replies", json={"text": "ハードウェアトークンです。"})
    assert replied.status_code == 201 and replied.json["questions"][0]["posts"][-1]["text"] == "ハードウェアトークンです。"
    assert replied.json["items"][21]["open_questions"] == 1

    engagement = replied.json
    for item in engagement["items"]:
        if item["dropped"] is None:
            verdict = "unsatisfied" if item["number"] == 27 else "satisfied"
            judged = reviewer.put(
                f"/engagements/{eid}/items/{item['number']}/judgement",
                json={"verdict": verdict, "comment": "診断未実施" if verdict == "unsatisfied" else ""},
            )
            assert judged.status_code == 200, judged.json
    blocked = reviewer.post(f"/engagements/{eid}/decision", json={"outcome": "approved", "comment": "承認"})
    assert blocked.status_code == 409 and blocked.json["error"]["code"] == "questions_open"
    closed = reviewer.post(f"/engagements/{eid}/questions/{qid}/close", json={})
    assert closed.status_code == 200 and closed.json["questions"][0]["open"] is False

    decided = reviewer.post(
        f"/engagements/{eid}/decision",
        json={
            "outcome": "conditional",
            "comment": "診断の実施を条件に承認",
            "conditions": [{"text": "脆弱性診断を実施する", "items": [27], "due_on": "2027-03-31"}],
        },
    )
    assert decided.status_code == 200, decided.json
    engagement = decided.json
    assert engagement["state"] == "monitoring" and engagement["decision"]["outcome"] == "conditional"
    assert engagement["decision"]["conditions"][0]["items"] == [27]
    assert engagement["next_review_on"] is not None
    before_cycle = datetime.now(timezone.utc).isoformat()

    cycle = reviewer.post(f"/engagements/{eid}/review-cycles", json={"reason": "annual"})
    assert cycle.status_code == 201 and cycle.json["cycle"]["number"] == 2 and cycle.json["state"] == "draft"
    engagement = answer_items(connector, cycle.json, ("connector", "common"), text="年次確認: 変更なし")
    engagement = connector.post(f"/engagements/{eid}/submit", json={}).json
    for item in engagement["items"]:
        if item["dropped"] is None:
            assert reviewer.put(f"/engagements/{eid}/items/{item['number']}/judgement", json={"verdict": "satisfied"}).status_code == 200
    final = reviewer.post(f"/engagements/{eid}/decision", json={"outcome": "approved", "comment": "継続承認"})
    assert final.status_code == 200 and final.json["state"] == "monitoring"

    timeline = auditor.get(f"/engagements/{eid}/timeline").json
    assert timeline[0]["type"] == "Opened" and timeline[-1]["type"] == "Decided"
    assert [t["position"] for t in timeline] == sorted(t["position"] for t in timeline)
    assert len(timeline) == final.json["version"]

    then = auditor.get(f"/engagements/{eid}", query_string={"as_of": before_cycle}).json
    assert then["cycle"]["number"] == 1 and then["state"] == "monitoring"
    diff = auditor.get(f"/engagements/{eid}/cycles/2/diff").json
    assert next(d for d in diff if d["number"] == 27)["before"]["verdict"] == "unsatisfied"
