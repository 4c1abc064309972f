"""Fill once, present to many: the connector's answer library, sharing with chosen banks,
certifications accepted in lieu of evidence, and evidence files authorised like the
engagement — all through HTTP."""

from __future__ import annotations

import io
from datetime import timedelta

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_fill_once_share_and_prefill_many(callers, people, app):
    connector, reviewer, other = callers.connector, callers.reviewer, callers.other_reviewer
    assert connector.get("/library").json["entries"] == []
    saved = connector.put("/library/items/1", json={"status": "implemented", "current_state": "CISOを任命済み"})
    assert saved.status_code == 200 and saved.json["entries"][0]["number"] == 1
    again = connector.put("/library/items/1", json={"status": "implemented", "current_state": "CISOを任命済み"})
    assert again.json["version"] == saved.json["version"]  # unchanged: no new version
    assert connector.put("/library/items/2", json={"status": "bogus", "current_state": "x"}).status_code == 422

    # before any engagement exists, the connector shares with one bank only
    assert reviewer.get("/library", query_string={"connector_org_id": people.connector.org_id}).status_code == 404
    assert connector.post("/library/shares", json={"bank_org_id": people.reviewer.org_id}).status_code == 200
    assert connector.post("/library/shares", json={"bank_org_id": people.other_connector.org_id}).status_code == 422
    shared = reviewer.get("/library", query_string={"connector_org_id": people.connector.org_id})
    assert shared.status_code == 200 and shared.json["entries"][0]["current_state"] == "CISOを任命済み"
    assert [lib["connector"]["id"] for lib in reviewer.get("/libraries").json] == [people.connector.org_id]
    assert other.get("/library", query_string={"connector_org_id": people.connector.org_id}).status_code == 404
    assert reviewer.put("/library/items/1", json={"status": "implemented", "current_state": "x"}).status_code == 403

    # two banks open engagements; the connector pre-fills both from the library
    first = reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "A銀行"}).json
    second = other.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "B金庫"}).json
    for engagement in (first, second):
        filled = connector.post(f"/engagements/{engagement['id']}/prefill", json={})
        assert filled.status_code == 200
        assert filled.json["items"][0]["answer"]["current_state"] == "CISOを任命済み"
        assert filled.json["items"][0]["answer"]["by"]["name"] == "staff"
    # answers improved in one engagement flow back to the library
    connector.put(f"/engagements/{first['id']}/items/2/answer", json={"status": "partial", "current_state": "規程を整備中"})
    back = connector.post(f"/engagements/{first['id']}/library", json={})
    assert {e["number"] for e in back.json["entries"]} == {1, 2}
    assert next(e for e in back.json["entries"] if e["number"] == 2)["source"] == f"engagement:{first['id']}"
    # a bank never sees another bank's questions: the library holds answers only
    connector.post(f"/engagements/{first['id']}/submit", json={})  # not all answered: 409, fine
    assert "questions" not in back.json


def test_certification_in_lieu_of_evidence_and_its_file(callers, people, app):
    connector, reviewer = callers.connector, callers.reviewer
    today = app.extensions["container"].store.today()
    registered = connector.post(
        "/library/certifications",
        data={
            "kind": "isms",
            "scope": "家計簿サービスの開発・運用",
            "issuer": "一般財団法人 日本品質保証機構",
            "valid_from": (today - timedelta(days=300)).isoformat(),
            "valid_until": (today + timedelta(days=400)).isoformat(),
            "items": "1,2,3",
            "file": (io.BytesIO(PDF), "ISMS登録証.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert registered.status_code == 201, registered.json
    certification = registered.json["certifications"][0]
    assert certification["items"] == [1, 2, 3] and certification["file"]["filename"] == "ISMS登録証.pdf"
    bad = connector.post(
        "/library/certifications",
        data={"kind": "isms", "scope": "x", "issuer": "y", "valid_from": "2026-01-01", "valid_until": "2025-01-01"},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    engagement = reviewer.post(
        "/engagements",
        json={"connector_org_id": people.connector.org_id, "title": "認証", "dropped_items": [{"number": n, "reason": "対象外"} for n in range(3, 45)]},
    ).json
    eid = engagement["id"]
    for number in (1, 2):
        connector.put(f"/engagements/{eid}/items/{number}/answer", json={"status": "implemented", "current_state": "ISMS認証の範囲内"})
    connector.post(f"/engagements/{eid}/submit", json={})
    judged = reviewer.put(
        f"/engagements/{eid}/items/1/judgement",
        json={"verdict": "satisfied", "comment": "ISMS認証で確認", "certification_id": certification["id"]},
    )
    assert judged.status_code == 200, judged.json
    assert judged.json["items"][0]["judgement"]["certification"]["kind"] == "isms"
    refused = reviewer.put(f"/engagements/{eid}/items/2/judgement", json={"verdict": "satisfied", "certification_id": "nope"})
    assert refused.status_code == 404
    download = reviewer.get(f"/libraries/{people.connector.org_id}/certifications/{certification['id']}/file")
    assert download.status_code == 200 and download.data == PDF
    assert "filename*=UTF-8''ISMS" in download.headers["Content-Disposition"]
    assert callers.other_reviewer.get(f"/libraries/{people.connector.org_id}/certifications/{certification['id']}/file").status_code == 404
    assert app.extensions["container"].library_views.earliest_expiry([people.connector.org_id]) == {people.connector.org_id: certification["valid_until"]}


def test_evidence_files_are_checked_stored_by_content_and_authorised(callers, people, app):
    connector, reviewer = callers.connector, callers.reviewer
    engagement = reviewer.post("/engagements", json={"connector_org_id": people.connector.org_id, "title": "証跡"}).json
    eid = engagement["id"]
    attached = connector.post(
        f"/engagements/{eid}/items/1/evidence", data={"file": (io.BytesIO(PDF), "規程.pdf")}, content_type="multipart/form-data"
    )
    assert attached.status_code == 201, attached.json
    evidence = attached.json["items"][0]["evidence"][0]
    import hashlib

    assert evidence["sha256"] == hashlib.sha256(PDF).hexdigest() and evidence["content_type"] == "application/pdf"
    blob = app.extensions["container"].settings.blob_dir / evidence["sha256"][:2] / evidence["sha256"]
    assert blob.read_bytes() == PDF
    fake = connector.post(
        f"/engagements/{eid}/items/1/evidence", data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "規程.pdf")}, content_type="multipart/form-data"
    )
    assert fake.status_code == 422
    traversal = connector.post(
        f"/engagements/{eid}/items/1/evidence", data={"file": (io.BytesIO(b"plain text"), "../../etc/passwd.txt")}, content_type="multipart/form-data"
    )
    assert traversal.status_code == 201 and traversal.json["items"][0]["evidence"][1]["filename"] == "passwd.txt"
    assert connector.post(f"/engagements/{eid}/items/38/evidence", data={"file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data").status_code == 403
    assert connector.post(f"/engagements/{eid}/items/1/evidence", json={}).status_code == 415  # not multipart
    for caller, status in ((reviewer, 200), (callers.auditor, 200), (connector, 200), (callers.other_reviewer, 404), (callers.other_connector, 404)):
        assert caller.get(f"/engagements/{eid}/evidence/{evidence['sha256']}").status_code == status
    assert reviewer.get(f"/engagements/{eid}/evidence/{'0' * 64}").status_code == 404
    assert reviewer.get(f"/engagements/{eid}/evidence/..%2f..%2fsecret").status_code == 404


def test_every_assurance_the_seed_names_can_be_registered(callers):
    """解説書 注３: プライバシーマーク, ISMS, ITSMS, SOC1/SOC2, IT委員会実務指針第7号, 情報セキュリティ監査報告書,
    CSマーク, ISO27017 (and ISO27018, PCI DSS)."""
    from service.domain.answer_library import CERTIFICATION_KINDS

    named = ("pmark", "isms", "itsms", "soc1", "soc2", "it7", "security_audit", "csmark", "iso27017", "iso27018", "pcidss")
    assert set(named) <= set(CERTIFICATION_KINDS)
    for kind in named:
        registered = callers.connector.post(
            "/library/certifications",
            data={"kind": kind, "scope": "サービス全体", "issuer": "認証機関", "valid_from": "2026-01-01", "valid_until": "2028-12-31", "items": "1"},
            content_type="multipart/form-data",
        )
        assert registered.status_code == 201, (kind, registered.json)
    labels = {c["kind"]: c["kind_label"] for c in callers.connector.get("/library").json["certifications"]}
    assert labels["itsms"].startswith("ITSMS") and labels["it7"].startswith("IT委員会実務指針第7号")
