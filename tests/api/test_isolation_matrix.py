"""Deny by default: every engagement route tried by every role, from the engagement's
own organisations and from foreign ones. Role may not → 403; foreign → 404 exactly
like a missing engagement; own and allowed → never 401/403/404/5xx."""

from __future__ import annotations

import pytest

R, C, A = "reviewer", "connector", "auditor"
ROUTES = [
    ("get", "/engagements/{eid}", None, {R, C, A}),
    ("get", "/engagements/{eid}/timeline", None, {R, C, A}),
    ("get", "/engagements/{eid}/cycles/2/diff", None, {R, C, A}),
    ("put", "/engagements/{eid}/items/9/answer", {"status": "implemented", "current_state": "共通項目"}, {R, C}),
    ("post", "/engagements/{eid}/submit", {}, {C}),
    ("post", "/engagements/{eid}/items/1/questions", {"text": "質問"}, {R}),
    ("post", "/engagements/{eid}/questions/{qid}/replies", {"text": "返信"}, {R, C}),
    ("post", "/engagements/{eid}/questions/{qid}/close", {}, {R}),
    ("put", "/engagements/{eid}/items/1/judgement", {"verdict": "satisfied"}, {R}),
    ("post", "/engagements/{eid}/decision", {"outcome": "approved", "comment": "承認"}, {R}),
    ("post", "/engagements/{eid}/conditions/1-1/fulfil", {}, {R}),
    ("post", "/engagements/{eid}/review-cycles", {"reason": "annual"}, {R}),
    ("post", "/engagements/{eid}/withdraw", {"reason": "終了"}, {R, C}),
]
CALLERS = ("reviewer", "auditor", "connector", "other_reviewer", "other_connector", "liaison", "admin")
ROLE_OF = {"other_reviewer": R, "other_connector": C, "liaison": "liaison", "admin": "admin"}


@pytest.fixture
def engagement_under_review(callers, people):
    reviewer, connector = callers.reviewer, callers.connector
    engagement = reviewer.post(
        "/engagements",
        json={
            "connector_org_id": people.connector.org_id,
            "title": "分離テスト",
            "dropped_items": [{"number": n, "reason": "対象外"} for n in range(3, 45) if n != 9],
        },
    ).json
    eid = engagement["id"]
    for number in (1, 2, 9):
        connector.put(f"/engagements/{eid}/items/{number}/answer", json={"status": "implemented", "current_state": "済"})
    assert connector.post(f"/engagements/{eid}/submit", json={}).status_code == 200
    qid = reviewer.post(f"/engagements/{eid}/items/2/questions", json={"text": "確認"}).json["question_id"]
    return eid, qid


@pytest.mark.parametrize("method,template,payload,allowed", ROUTES, ids=[f"{m} {t}" for m, t, _, _ in ROUTES])
def test_every_role_from_every_organisation(callers, engagement_under_review, method, template, payload, allowed):
    eid, qid = engagement_under_review
    path = template.format(eid=eid, qid=qid)
    for name in CALLERS:
        caller = getattr(callers, name)
        role = ROLE_OF.get(name, name)
        foreign = name.startswith("other_")
        kwargs = {"json": payload} if payload is not None else {}
        response = getattr(caller, method)(path, **kwargs)
        if role not in allowed:
            expected = 403
        elif foreign:
            expected = 404
        else:
            assert response.status_code not in (401, 403) and response.status_code < 500, (name, response.json)
            if response.status_code == 404:  # e.g. no such condition: never the engagement itself
                assert response.json["error"]["code"] != "engagement_not_found", (name, path)
            continue
        assert response.status_code == expected, (name, path, response.json)
        assert response.json["error"]["code"] in ("role_not_allowed", "engagement_not_found")
    missing = getattr(callers.reviewer, method)(template.format(eid="00000000-0000-0000-0000-000000000000", qid=qid), **({"json": payload} if payload is not None else {}))
    if R in allowed:
        assert missing.status_code == 404 and missing.json["error"]["code"] == "engagement_not_found"


def test_lists_show_only_what_belongs_to_the_caller(callers, engagement_under_review):
    eid, _ = engagement_under_review
    for name in ("reviewer", "auditor", "connector"):
        assert [row["id"] for row in getattr(callers, name).get("/engagements").json] == [eid]
    for name in ("other_reviewer", "other_connector"):
        assert getattr(callers, name).get("/engagements").json == []
        assert getattr(callers, name).get("/inbox").json == []
    for name in ("liaison", "admin"):
        assert getattr(callers, name).get("/engagements").status_code == 403
        assert getattr(callers, name).get("/inbox").json == []
        assert getattr(callers, name).get("/checklist/current").status_code == 200
    for name in CALLERS:
        if ROLE_OF.get(name, name) != R:
            opened = getattr(callers, name).post("/engagements", json={"connector_org_id": "x", "title": "x"})
            assert opened.status_code == 403
