"""Pages: CSRF on every form, security headers on every response, safe cookies,
autoescaping, and 404 for other organisations' engagements."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import PASSWORD


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def log_in(client, email: str) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def engagement_id(app, people):
    c = app.extensions["container"]
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="画面の安全性")
    c.review.save_answer(
        people.connector, engagement.id, 1, status="implemented", current_state='<script>alert("x")</script>&"<b>'
    )
    return str(engagement.id)


def test_every_form_needs_its_csrf_token(client, people, engagement_id):
    assert client.post("/login", data={"email": "reviewer@bank.example", "password": PASSWORD}).status_code == 400
    log_in(client, "staff@fintech.example")
    forged = client.post(f"/engagements/{engagement_id}/submit", data={})
    assert forged.status_code == 400
    assert client.post("/logout").status_code == 400


def test_headers_on_pages_errors_api_and_static(client, people, engagement_id):
    log_in(client, "reviewer@bank.example")
    for path in ("/", f"/engagements/{engagement_id}", "/no-such-page", "/api/v1/inbox", "/static/app.css", "/login"):
        response = client.get(path)
        headers = response.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"] and "unsafe-inline" not in headers["Content-Security-Policy"], path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(client, people):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": "reviewer@bank.example", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_answers_are_escaped_and_no_inline_script_exists(client, people, engagement_id):
    log_in(client, "auditor@bank.example")
    html = client.get(f"/engagements/{engagement_id}").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert " on" + "click=" not in html and "style=" not in html


def test_pages_of_other_organisations_are_not_found(client, people, engagement_id):
    log_in(client, "reviewer@other-bank.example")
    assert client.get(f"/engagements/{engagement_id}").status_code == 404
    assert client.get(f"/engagements/{engagement_id}/timeline").status_code == 404
    assert client.get(f"/engagements/{engagement_id}?as_of=2026-01-01T00:00").status_code == 404


def test_login_redirects_only_to_local_paths(client, people):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=https://evil.example/", data={"csrf_token": token, "email": "reviewer@bank.example", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
