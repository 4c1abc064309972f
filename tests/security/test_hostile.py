"""Hostile tests, one per point of OWASP ASVS 5.0 Level 2 as the security issue lists
them, over HTTP (API and HTML forms) against the real app and store."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from service.config import Settings
from service.app import create_app
from tests.integration.conftest import PASSWORD
from tests.web.test_page_security import csrf_from, log_in


def api_token(client, email: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return response.json["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def shift_clock(app, **delta) -> None:
    later = datetime.now(timezone.utc) + timedelta(**delta)
    app.extensions["container"].authenticator.clock = lambda: later


# ---------------------------------------------------------------- sessions


def test_logout_ends_every_other_session_and_token(app, people):
    first, second = app.test_client(), app.test_client()
    log_in(first, "reviewer@bank.example")
    log_in(second, "reviewer@bank.example")
    token = api_token(app.test_client(), "reviewer@bank.example")
    assert first.get("/").status_code == 200
    second.post("/logout", data={"csrf_token": csrf_from(second.get("/").get_data(as_text=True))})
    assert first.get("/").status_code == 302  # back to the login page
    assert app.test_client().get("/api/v1/inbox", headers=bearer(token)).status_code == 401


def test_a_new_session_id_at_login_defeats_fixation(app, people):
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie("session").value
    log_in(client, "reviewer@bank.example")
    after = client.get_cookie("session").value
    assert before != after
    attacker = app.test_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/").status_code == 302


def test_idle_and_absolute_timeouts(app, people):
    client = app.test_client()
    log_in(client, "reviewer@bank.example")
    shift_clock(app, minutes=31)
    assert client.get("/").status_code == 302
    shift_clock(app, minutes=0)
    log_in(client, "reviewer@bank.example")
    for minutes in range(20, 12 * 60, 20):  # active every 20 minutes
        shift_clock(app, minutes=minutes)
        assert client.get("/").status_code == 200
    shift_clock(app, hours=12, minutes=5)
    assert client.get("/").status_code == 302


def test_password_change_and_disabling_end_sessions_and_tokens(app, people):
    container = app.extensions["container"]
    client, other = app.test_client(), app.test_client()
    log_in(client, "staff@fintech.example")
    log_in(other, "staff@fintech.example")
    token = api_token(app.test_client(), "staff@fintech.example")
    token_csrf = csrf_from(client.get("/account").get_data(as_text=True))
    weak = client.post("/account/password", data={"csrf_token": token_csrf, "current_password": PASSWORD, "new_password": "password1234"})
    assert weak.status_code == 422 and "よく使われている" in weak.get_data(as_text=True)
    changed = client.post(
        "/account/password", data={"csrf_token": token_csrf, "current_password": PASSWORD, "new_password": "a brand new passphrase"}
    )
    assert changed.status_code == 303
    assert other.get("/").status_code == 302
    assert app.test_client().get("/api/v1/inbox", headers=bearer(token)).status_code == 401
    fresh = api_token(app.test_client(), "staff@fintech.example", "a brand new passphrase")
    container.accounts.set_active(people.connector.id, False)
    assert app.test_client().get("/api/v1/inbox", headers=bearer(fresh)).status_code == 401


def test_cookies_are_http_only_same_site_and_host_prefixed_over_https(store, people):
    from service.bootstrap import bootstrap

    settings = Settings(**{**store.settings.__dict__, "secure_cookies": True})
    container = bootstrap(settings)
    try:
        client = create_app(container).test_client()
        page = client.get("/login", base_url="https://review.example")
        cookie = page.headers["Set-Cookie"]
        assert cookie.startswith("__Host-session=") and "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Path=/" in cookie and "Domain" not in cookie
        assert "max-age=63072000" in page.headers["Strict-Transport-Security"]
    finally:
        container.close()


# ---------------------------------------------------------------- passwords and login


def test_password_rules_common_length_and_no_truncation(app, people):
    accounts = app.extensions["container"].accounts
    org = people.connector.org_id
    for bad in ("short", "x" * 129, "password1234", "Qwerty123456", "1qaz2wsx3edc"):
        with pytest.raises(Exception) as refused:
            accounts.add_user(email=f"{len(bad)}@x.example", name="X", org_id=org, role="connector", password=bad)
        assert getattr(refused.value, "code", "") == "validation_error"
    long_password = "長い" * 64  # 128 characters
    accounts.add_user(email="long@x.example", name="L", org_id=org, role="connector", password=long_password)
    client = app.test_client()
    assert client.post("/api/v1/auth/token", json={"email": "long@x.example", "password": long_password}).status_code == 200
    assert client.post("/api/v1/auth/token", json={"email": "long@x.example", "password": long_password[:-1]}).status_code == 401


def test_unknown_and_known_accounts_get_the_same_answer(client, people):
    known = client.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": "wrong password!"})
    unknown = client.post("/api/v1/auth/token", json={"email": "nobody@fintech.example", "password": "wrong password!"})
    assert (known.status_code, known.json) == (unknown.status_code, unknown.json)


def test_rate_limit_per_client_address_and_lockout_ends(store, people):
    from service.bootstrap import bootstrap

    container = bootstrap(Settings(**{**store.settings.__dict__, "login_rate_limit": "8 per minute"}))
    try:
        client = create_app(container).test_client()
        statuses = [
            client.post("/api/v1/auth/token", json={"email": f"u{i}@x.example", "password": "wrong password!"}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
            for i in range(10)
        ]
        assert statuses[:8] == [401] * 8 and statuses[8:] == [429, 429]
        other_address = client.post("/api/v1/auth/token", json={"email": "reviewer@bank.example", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.9.10"})
        assert other_address.status_code == 200  # the victim elsewhere is not locked out
    finally:
        container.close()


def test_mfa_is_required_for_reviewers_when_configured(store, people):
    from service.bootstrap import bootstrap

    container = bootstrap(Settings(**{**store.settings.__dict__, "mfa_required_roles": ("reviewer", "liaison", "admin")}))
    try:
        app = create_app(container)
        api = app.test_client()
        refused = api.post("/api/v1/auth/token", json={"email": "reviewer@bank.example", "password": PASSWORD})
        assert refused.status_code == 403 and refused.json["error"]["code"] == "mfa_enrolment_required"
        assert api.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": PASSWORD}).status_code == 200
        browser = app.test_client()
        token = csrf_from(browser.get("/login").get_data(as_text=True))
        landed = browser.post("/login", data={"csrf_token": token, "email": "reviewer@bank.example", "password": PASSWORD})
        assert landed.headers["Location"].endswith("/account")
        assert browser.get("/").headers["Location"].endswith("/account")  # nothing else until enrolled
        page = browser.post("/account/totp", data={"csrf_token": csrf_from(browser.get("/account").get_data(as_text=True))})
        html = browser.get("/account").get_data(as_text=True)
        secret = re.search(r"<code>([A-Z2-7]+)</code>", html).group(1)
        assert page.status_code == 302
        done = browser.post("/account", data={"csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
        assert done.status_code == 302 and browser.get("/").status_code == 200
    finally:
        container.close()


# ---------------------------------------------------------------- requests


def test_bodies_over_the_limit_are_413_for_json_forms_and_uploads(app, client, people):
    token = api_token(client, "staff@fintech.example")
    huge = "x" * (7 * 1024 * 1024)
    assert client.post("/api/v1/auth/token", data=json.dumps({"email": huge}), content_type="application/json").status_code == 413
    log_in(client, "reviewer@bank.example")
    assert client.post("/login", data={"email": huge}).status_code == 413
    upload = client.post(
        "/api/v1/library/certifications", headers=bearer(token), data={"file": (io.BytesIO(huge.encode()), "a.pdf")}, content_type="multipart/form-data"
    )
    assert upload.status_code == 413 and upload.json["error"]["code"] == "payload_too_large"


def test_get_never_changes_state_and_the_api_ignores_cookies(app, people):
    container = app.extensions["container"]
    engagement = container.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="GET")
    client = app.test_client()
    log_in(client, "reviewer@bank.example")
    for path in (f"/engagements/{engagement.id}/submit", f"/engagements/{engagement.id}/withdraw", "/logout", f"/engagements/{engagement.id}/decision"):
        assert client.get(path).status_code == 405
    assert container.store.engagement(people.reviewer, engagement.id).version == engagement.version
    # a browser session cookie is no credential for the API (so no cross-site API calls)
    response = client.post(
        "/api/v1/engagements", json={"connector_org_id": people.connector.org_id, "title": "CSRF"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 401


def test_mass_assignment_is_refused(client, people):
    token = api_token(client, "reviewer@bank.example")
    for extra in ({"org_id": people.other_reviewer.org_id}, {"role": "admin"}, {"state": "monitoring"}, {"bank": {"id": "x"}}):
        response = client.post(
            "/api/v1/engagements", headers=bearer(token), json={"connector_org_id": people.connector.org_id, "title": "x", **extra}
        )
        assert response.status_code == 422


def test_no_server_banner(client, people):
    import runpy

    import gunicorn

    assert "Server" not in client.get("/login").headers
    runpy.run_path("gunicorn.conf.py")
    assert gunicorn.SERVER == "fisc-review"


# ---------------------------------------------------------------- e-mail


def test_line_breaks_never_reach_mail_headers(client, people):
    token = api_token(client, "reviewer@bank.example")
    title = client.post(
        "/api/v1/engagements", headers=bearer(token), json={"connector_org_id": people.connector.org_id, "title": "件名\r\nBcc: evil@example.com"}
    )
    assert title.status_code == 422 and title.json["error"]["field"] == "title"
    desk = api_token(client, "desk@fisc.example")
    advisory = client.post(
        "/api/v1/advisories", headers=bearer(desk), json={"title": "a\nb", "body": "x", "items": [], "respond_by": "2027-01-01"}
    )
    assert advisory.status_code == 422


# ---------------------------------------------------------------- the security event log


def test_security_events_are_recorded_escaped_and_readable_by_auditors_only(app, people):
    container = app.extensions["container"]
    client = app.test_client()
    client.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": "wrong\n{\"forged\": true}"})
    token = api_token(client, "staff@fintech.example")
    engagement = container.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="ログ")
    client.get(f"/api/v1/engagements/{engagement.id}/export.xlsx", headers=bearer(token))
    client.get(f"/api/v1/engagements/{engagement.id}/export.xlsx", headers=bearer(api_token(client, "staff@other.example")))
    container.accounts.add_user(email="new@bank.example", name="新人", org_id=people.reviewer.org_id, role="auditor", password=PASSWORD, by=people.admin)
    kinds = {(event.kind, event.outcome) for event in container.security_log.events(None)[0]}
    assert {("login", "failure"), ("login", "success"), ("token_issued", "success"), ("export", "success"),
            ("authorisation_failure", "engagement_not_found"), ("user_added", "success")} <= kinds
    for event in container.security_log.events(None)[0]:
        json.loads(event.detail)  # every detail is one JSON document: no forged lines
    auditor = app.test_client()
    log_in(auditor, "auditor@bank.example")
    page = auditor.get("/security-log")
    assert page.status_code == 200 and "利用者の登録" in page.get_data(as_text=True)
    assert auditor.post("/security-log").status_code == 405
    reviewer = app.test_client()
    log_in(reviewer, "reviewer@bank.example")
    assert reviewer.get("/security-log").status_code == 403
