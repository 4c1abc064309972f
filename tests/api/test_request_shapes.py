"""Bodies the API cannot read as the route's input answer a 4xx with a machine-readable
code, never a 500, and change nothing: nesting deep enough to exhaust the parser, text
UTF-8 cannot encode, forms sent to JSON routes (and JSON to form routes), bodies that are
not objects. Versions sent as whole floats are versions; every 405 names its methods."""

from __future__ import annotations

import io

import pytest

from tests.api.test_review_scenario import answer_items

WRITE = {"status": "implemented", "current_state": "実施している。"}


@pytest.fixture
def engagement(callers, people):
    response = callers.reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "本文の形"})
    assert response.status_code == 201
    return response.json


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json
    error = response.json["error"]
    assert error["message"] and not error["message"].isascii()  # said in Japanese
    return error


def raw(caller, method: str, path: str, data: str | bytes, content_type: str = "application/json"):
    return getattr(caller, method)(path, data=data, content_type=content_type)


def test_unreadable_bodies_answer_4xx_with_a_code_and_change_nothing(callers, engagement):
    eid = engagement["id"]
    answer = f"/engagements/{eid}/items/1/answer"
    connector = callers.connector
    for deep in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, '{"status":' + "[" * 40 + "]" * 40 + "}"):
        assert error_of(raw(connector, "put", answer, deep), 400)["code"] == "json_too_deep"
    lone = error_of(raw(connector, "put", answer, '{"status": "implemented", "current_state": "\\ud800"}'), 422)
    assert lone["code"] == "control_characters" and lone["field"] == "current_state"
    assert error_of(raw(connector, "put", answer, '{"\\udfff": 1}'), 422)["code"] == "control_characters"
    nested = raw(callers.reviewer, "post", "/engagements", '{"title": "x", "connector_org_id": "x", "dropped_items": [{"reason": "\\udbff"}]}')
    assert error_of(nested, 422)["field"] == "dropped_items[0].reason"
    nul = error_of(callers.reviewer.post("/engagements", json={"title": "x", "connector_org_id": "\u0000x"}), 422)
    assert (nul["code"], nul["field"]) == ("control_characters", "connector_org_id")  # PostgreSQL refuses NUL
    assert error_of(callers.reviewer.get("/engagements", query_string={"after": "a\u0000"}), 422)["field"] == "after"
    assert error_of(connector.post("/library/shares/%00/revoke", json={}), 422)["field"] == "bank_org_id"
    bell = error_of(connector.put(answer, json={**WRITE, "current_state": "a\u0007b"}), 422)
    assert bell["code"] == "control_characters" and bell["field"] == "current_state"

    assert error_of(connector.put(answer, data=WRITE, content_type="multipart/form-data"), 415)["code"] == "unsupported_media_type"
    assert error_of(connector.put(answer, data=WRITE), 415)["code"] == "unsupported_media_type"  # urlencoded
    assert error_of(connector.post(f"/engagements/{eid}/submit", content_type="multipart/form-data"), 415)["code"] == "unsupported_media_type"
    assert error_of(raw(connector, "put", answer, "status=implemented", "text/plain"), 415)["code"] == "unsupported_media_type"
    as_json = connector.post(f"/engagements/{eid}/items/1/evidence", json={"file": "x"})
    assert error_of(as_json, 415)["code"] == "unsupported_media_type"
    upload = {"file": (io.BytesIO(b"%PDF-1.4\n"), "a.pdf")}
    assert error_of(connector.post(f"/engagements/{eid}/items/1/evidence", data=upload, content_type="application/x-www-form-urlencoded"), 415)

    for not_an_object in ("[]", "0", "false", '""', "[1]"):
        refused = error_of(raw(connector, "post", f"/engagements/{eid}/submit", not_an_object), 422)
        assert refused["code"] == "validation_error", not_an_object
    assert error_of(raw(connector, "put", answer, "null"), 400)["code"] == "malformed_json"
    unchanged = connector.get(f"/engagements/{eid}").json
    assert unchanged["version"] == engagement["version"] and unchanged["state"] == "draft"


def test_expected_version_takes_whole_numbers_even_as_floats(callers, engagement):
    eid, version = engagement["id"], engagement["version"]
    answer = f"/engagements/{eid}/items/1/answer"
    connector = callers.connector
    for refused in (version + 0.5, True, False, str(version), [version], {"v": version}):
        error = error_of(connector.put(answer, json={**WRITE, "expected_version": refused}), 422)
        assert (error["code"], error["field"]) == ("invalid_expected_version", "expected_version"), refused
    assert error_of(connector.put(answer, json={**WRITE, "expected_version": -1}), 422)["field"] == "expected_version"
    saved = connector.put(answer, json={**WRITE, "expected_version": float(version)})
    assert saved.status_code == 200 and saved.json["version"] == version + 1
    stale = error_of(connector.put(answer, json={**WRITE, "expected_version": float(version)}), 409)
    assert stale["code"] == "stale_version" and stale["current_version"] == version + 1
    submitted = connector.post(f"/engagements/{eid}/submit", data=f'{{"expected_version": {version + 1}.0}}', content_type="application/json")
    assert error_of(submitted, 409)["code"] == "answers_missing"  # the version was read, the rule then applied


def test_every_405_names_the_allowed_methods(callers, engagement):
    eid = engagement["id"]
    reviewer = callers.reviewer
    for method, path, allowed in (
        ("post", "/checklist/current", {"GET", "HEAD", "OPTIONS"}),
        ("delete", f"/engagements/{eid}", {"GET", "HEAD", "OPTIONS"}),
        ("put", "/engagements", {"GET", "POST", "HEAD", "OPTIONS"}),
        ("get", f"/engagements/{eid}/submit", {"POST", "OPTIONS"}),
        ("patch", f"/engagements/{eid}/items/1/answer", {"PUT", "OPTIONS"}),
    ):
        response = reviewer._call(method, path)
        assert error_of(response, 405)["code"] == "method_not_allowed", path
        assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed, path


def test_a_question_closes_without_any_body(callers, people, engagement):
    eid = engagement["id"]
    reviewer, connector = callers.reviewer, callers.connector
    engagement = answer_items(connector, engagement, ("connector", "common"))
    assert connector.post(f"/engagements/{eid}/submit").status_code == 200  # no body either
    questions = [reviewer.post(f"/engagements/{eid}/items/{n}/questions", json={"text": f"質問{n}"}).json for n in (1, 2, 3, 4)]
    closes = (
        dict,  # no body and no content type
        lambda: {"data": "", "content_type": "application/json"},
        lambda: {"json": {}},
        lambda: {"json": {"expected_version": reviewer.get(f"/engagements/{eid}").json["version"]}},
    )
    for question, how in zip(questions, closes):
        closed = reviewer.post(f"/engagements/{eid}/questions/{question['question_id']}/close", **how())
        assert closed.status_code == 200, closed.json
    assert all(not q["open"] for q in closed.json["questions"])


def test_a_text_field_where_a_file_belongs_is_refused(callers, engagement):
    eid, connector = engagement["id"], callers.connector
    forms = (
        (f"/engagements/{eid}/items/1/evidence", {"file": "not a file"}),
        (f"/engagements/{eid}/import.xlsx", {"file": "not a file"}),
        ("/library/certifications", {"kind": "pmark", "scope": "全社", "issuer": "JIPDEC", "valid_from": "2026-01-01", "valid_until": "2028-01-01", "file": "x"}),
    )
    for path, fields in forms:
        refused = error_of(connector.post(path, data=fields, content_type="multipart/form-data"), 422)
        assert (refused["code"], refused["field"]) == ("validation_error", "file"), path
    assert connector.get(f"/engagements/{eid}").json["version"] == engagement["version"]
