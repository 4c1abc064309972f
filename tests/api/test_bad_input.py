"""Bad input never loses data and never answers 500: malformed JSON, wrong types,
unknown codes and items, oversize bodies, stale versions, bad instants."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pyotp
import pytest


@pytest.fixture
def engagement(callers, people):
    response = callers.reviewer.post(
        "/engagements", json={"connector_org_id": people.connector.org_id, "title": "入力検証"}
    )
    assert response.status_code == 201
    return response.json


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json
    return response.json["error"]


def test_malformed_and_mistyped_bodies(callers, engagement):
    eid = engagement["id"]
    path = f"/engagements/{eid}/items/1/answer"
    connector = callers.connector
    assert error_of(connector.put(path, data="{not json", content_type="application/json"), 400)["code"] == "malformed_json"
    assert error_of(connector.put(path, data="status=implemented", content_type="text/plain"), 415)["code"] == "unsupported_media_type"
    assert error_of(connector.put(path, json={"status": "done", "current_state": "x"}), 422)["code"] == "validation_error"
    assert error_of(connector.put(path, json={"status": "implemented"}), 422)["code"] == "validation_error"
    assert error_of(connector.put(path, json={"status": "implemented", "current_state": 5}), 422)["code"] == "validation_error"
    assert error_of(connector.put(path, json=["implemented"]), 422)["code"] == "validation_error"
    refused = error_of(connector.put(path, json={"status": "implemented", "current_state": "x", "state": "monitoring"}), 422)
    assert refused["errors"][0]["loc"] == ["state"]  # mass assignment refused
    assert error_of(connector.put(path, json={"status": "implemented", "current_state": "x", "expected_version": "1"}), 422)["code"] == "invalid_expected_version"
    assert error_of(connector.put(f"/engagements/{eid}/items/99/answer", json={"status": "implemented", "current_state": "x"}), 404)["code"] == "item_not_found"
    assert error_of(connector.put(f"/engagements/{eid}/items/-1/answer", json={"status": "implemented", "current_state": "x"}), 404)
    assert error_of(connector.put(f"/engagements/{eid}/items/abc/answer", json={"status": "implemented", "current_state": "x"}), 404)
    assert error_of(connector.put(path, json={"status": "implemented", "current_state": "x" * 20_001}), 422)
    assert error_of(connector.put(path, data="{" + '"a":' * 10 + "}", content_type="application/json"), 400)
    unchanged = callers.connector.get(f"/engagements/{eid}").json
    assert unchanged["version"] == engagement["version"] and unchanged["items"][0]["answer"] is None


def test_oversize_body_is_413(callers, engagement):
    huge = '{"text": "' + "あ" * (3 * 1024 * 1024) + '"}'
    response = callers.reviewer.post(f"/engagements/{engagement['id']}/items/1/questions", data=huge, content_type="application/json")
    assert error_of(response, 413)["code"] == "payload_too_large"


def test_unknown_routes_methods_and_ids(callers, engagement):
    assert error_of(callers.reviewer.get("/nothing-here"), 404)["code"] == "not_found"
    assert error_of(callers.reviewer.get("/engagements/not-a-uuid"), 404)["code"] == "engagement_not_found"
    assert error_of(callers.reviewer.get("/engagements/00000000-0000-0000-0000-000000000000"), 404)
    assert error_of(callers.reviewer.post("/checklist/current"), 405)["code"] == "method_not_allowed"
    assert error_of(callers.reviewer.post(f"/engagements/{engagement['id']}/questions/nope/close", json={}), 404)


def test_business_rules_answer_409_and_422(callers, people, engagement):
    eid = engagement["id"]
    assert error_of(callers.reviewer.post(f"/engagements/{eid}/items/1/questions", json={"text": "早すぎる質問"}), 409)["code"] == "wrong_state"
    assert error_of(callers.connector.put(f"/engagements/{eid}/items/38/answer", json={"status": "implemented", "current_state": "x"}), 403)["code"] == "not_party_of_item"
    bad_open = callers.reviewer.post("/engagements", json={"connector_org_id": people.other_reviewer.org_id, "title": "銀行を接続先に"})
    assert error_of(bad_open, 422)["field"] == "connector_org_id"
    dropped = callers.reviewer.post(
        "/engagements",
        json={"connector_org_id": people.connector.org_id, "title": "x", "dropped_items": [{"number": 99, "reason": "?"}]},
    )
    assert error_of(dropped, 422)["code"] == "validation_error"


def test_stale_expected_version_is_409_with_the_current_version(callers, engagement):
    eid, version = engagement["id"], engagement["version"]
    path = f"/engagements/{eid}/items/1/answer"
    first = callers.connector.put(path, json={"status": "implemented", "current_state": "A", "expected_version": version})
    assert first.status_code == 200 and first.json["version"] == version + 1
    stale = error_of(callers.connector.put(path, json={"status": "partial", "current_state": "B", "expected_version": version}), 409)
    assert stale["code"] == "stale_version" and stale["current_version"] == version + 1
    assert callers.connector.get(f"/engagements/{eid}").json["items"][0]["answer"]["current_state"] == "A"


def race(app, callers, eid: str, numbers: list[int], version: int) -> list[int]:
    """Writers released together by a barrier, each with the same expected_version."""
    results: list[int] = []
    barrier = threading.Barrier(len(numbers))

    def write(index: int, number: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.put(
            f"/api/v1/engagements/{eid}/items/{number}/answer",
            headers={"Authorization": f"Bearer {callers.connector.token}"},
            json={"status": "implemented", "current_state": f"writer {index}", "expected_version": version},
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=write, args=(index, number)) for index, number in enumerate(numbers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_writers_to_one_item_lose_no_update(app, callers, engagement):
    """Ten writers race on the same item with the same expected_version: one wins, the rest get 409."""
    eid, version = engagement["id"], engagement["version"]
    assert sorted(race(app, callers, eid, [1] * 10, version)) == [200] + [409] * 9
    stored = callers.connector.get(f"/engagements/{eid}").json
    assert stored["version"] == version + 1
    assert sum(1 for item in stored["items"] if item["answer"]) == 1


def test_concurrent_writers_to_different_items_all_apply(app, callers, engagement):
    """Ten writers race on ten items with the same expected_version: a save that loses the race
    at the database runs again on the winner's state, where nothing touched its item."""
    eid, version = engagement["id"], engagement["version"]
    assert race(app, callers, eid, list(range(1, 11)), version) == [200] * 10
    stored = callers.connector.get(f"/engagements/{eid}").json
    assert stored["version"] == version + 10
    assert sorted(item["number"] for item in stored["items"] if item["answer"]) == list(range(1, 11))


def test_as_of_rules(callers, engagement):
    eid = engagement["id"]
    assert error_of(callers.auditor.get(f"/engagements/{eid}", query_string={"as_of": "yesterday"}), 422)["field"] == "as_of"
    naive_jst = error_of(callers.auditor.get(f"/engagements/{eid}", query_string={"as_of": "2026-01-01T00:00:00"}), 404)
    assert naive_jst["code"] == "engagement_not_yet_opened"
    before = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    assert error_of(callers.auditor.get(f"/engagements/{eid}", query_string={"as_of": before}), 404)
    now = callers.auditor.get(f"/engagements/{eid}", query_string={"as_of": datetime.now(timezone.utc).isoformat()})
    assert now.status_code == 200 and now.json["version"] == engagement["version"]


def test_tokens_expire_die_on_logout_and_logins_lock(client, app, people, callers):
    assert error_of(client.get("/api/v1/inbox"), 401)["code"] == "invalid_token"
    assert error_of(client.get("/api/v1/inbox", headers={"Authorization": "Bearer forged.token"}), 401)
    caller = callers.auditor
    assert caller.get("/inbox").status_code == 200
    assert caller.post("/auth/logout").status_code == 204
    assert error_of(caller.get("/inbox"), 401)["code"] == "invalid_token"

    container = app.extensions["container"]
    issued = container.authenticator.issue_token(people.connector)
    container.authenticator.clock = lambda: datetime.now(timezone.utc) + timedelta(hours=1, seconds=1)
    assert error_of(client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {issued.token}"}), 401)
    container.authenticator.clock = lambda: datetime.now(timezone.utc)

    for _ in range(5):
        assert error_of(client.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": "wrong password!"}), 401)["code"] == "invalid_credentials"
    locked = client.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": "correct horse battery"})
    assert error_of(locked, 401)["code"] == "account_locked"
    for _ in range(5):  # unknown addresses lock the same way: nothing tells them apart
        client.post("/api/v1/auth/token", json={"email": "nobody@fintech.example", "password": "wrong password!"})
    assert error_of(client.post("/api/v1/auth/token", json={"email": "nobody@fintech.example", "password": "x"}), 401)["code"] == "account_locked"
    container.authenticator.clock = lambda: datetime.now(timezone.utc) + timedelta(minutes=16)
    assert client.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": "correct horse battery"}).status_code == 200


def test_totp_is_required_once_enrolled_and_each_code_works_once(client, app, people):
    auth = app.extensions["container"].second_factor
    secret = auth.start_totp_enrolment()
    enrolled_code = pyotp.TOTP(secret).now()
    auth.confirm_totp(people.reviewer, secret, enrolled_code)
    credentials = {"email": "reviewer@bank.example", "password": "correct horse battery"}
    assert error_of(client.post("/api/v1/auth/token", json=credentials), 401)["code"] == "totp_required"
    assert error_of(client.post("/api/v1/auth/token", json={**credentials, "totp": "000000"}), 401)["code"] == "invalid_credentials"
    replay = client.post("/api/v1/auth/token", json={**credentials, "totp": enrolled_code})
    assert error_of(replay, 401)["code"] == "invalid_credentials"  # the code used to enrol is spent
    later = datetime.now(timezone.utc) + timedelta(seconds=30)
    auth.clock = lambda: later
    fresh = pyotp.TOTP(secret).at(later)
    assert client.post("/api/v1/auth/token", json={**credentials, "totp": fresh}).status_code == 200
    assert error_of(client.post("/api/v1/auth/token", json={**credentials, "totp": fresh}), 401)["code"] == "invalid_credentials"
