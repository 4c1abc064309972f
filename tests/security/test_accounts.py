"""Sign-in and the security log, through the login page, the API and the log page, on both
stores: failed logins land in the user's organisation's log, the log page is JST, Japanese,
filtered, paged and scoped to the viewer's organisation, ``next`` never leaves the site,
unknown accounts cost a password verification, and addresses are compared folded."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from service.accounts import User
from service.security_log import KIND_LABELS, PAGE_SIZE
from tests.integration.conftest import PASSWORD
from tests.web.test_page_security import csrf_from, log_in


def events_of(container, org_id):
    return container.security_log.events(org_id, per_page=500)[0]


def web_login(client, email: str, password: str, next_: str | None = None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    path = "/login" if next_ is None else "/login?" + next_
    return client.post(path, data={"csrf_token": token, "email": email, "password": password})


# ---------------------------------------------------------------- failed logins in the bank's log


def test_failed_logins_of_a_banks_user_are_in_that_banks_log_and_unknown_ones_in_none(app, people):
    container = app.extensions["container"]
    api = app.test_client()
    assert api.post("/api/v1/auth/token", json={"email": "reviewer@bank.example", "password": "wrong password!"}).status_code == 401
    assert web_login(app.test_client(), "REVIEWER@bank.example", "wrong password!").status_code == 401
    assert api.post("/api/v1/auth/token", json={"email": "nobody@bank.example", "password": "wrong password!"}).status_code == 401
    for _ in range(5):  # the fifth failure locks the address
        api.post("/api/v1/auth/token", json={"email": "auditor@bank.example", "password": "wrong password!"})
    bank = events_of(container, people.reviewer.org_id)
    failures = [e for e in bank if e.kind == "login" and e.outcome == "failure" and e.email == "reviewer@bank.example"]
    assert len(failures) == 2 and {e.actor_id for e in failures} == {people.reviewer.id}
    assert any(e.kind == "lockout" and e.actor_id == people.auditor.id for e in bank)
    assert not any(e.email == "nobody@bank.example" for e in bank)
    assert not any(e.email == "reviewer@bank.example" for e in events_of(container, people.other_reviewer.org_id))
    unknown = [e for e in events_of(container, None) if e.email == "nobody@bank.example"]
    assert [(e.org_id, e.actor_id) for e in unknown] == [("", "")]
    # the user's own login history shows the failures too
    assert [e.outcome for e in container.authenticator.login_history(people.reviewer)][:2] == ["failure", "failure"]


# ---------------------------------------------------------------- the log page


def test_the_log_page_is_jst_japanese_filtered_paged_and_scoped_to_the_viewers_org(app, people):
    container = app.extensions["container"]
    app.test_client().post("/api/v1/auth/token", json={"email": "reviewer@bank.example", "password": "wrong password!"})
    app.test_client().post("/api/v1/auth/token", json={"email": "reviewer@other-bank.example", "password": "wrong password!"})
    for number in range(PAGE_SIZE + 5):
        container.security_log.record("export", "success", actor=people.reviewer, what="xlsx", engagement_id=f"e{number}")
    auditor = app.test_client()
    log_in(auditor, "auditor@bank.example")
    failure = next(e for e in events_of(container, people.reviewer.org_id) if e.outcome == "failure")

    page = auditor.get("/security-log?kind=login").get_data(as_text=True)
    jst = failure.at.replace(tzinfo=timezone.utc).astimezone(timezone(timedelta(hours=9)))
    assert jst.strftime("%Y-%m-%d %H:%M:%S") in page and "日本時間" in page and "UTC" not in page
    assert "ログイン" in page and "失敗" in page and "経路: API" in page
    assert "{" not in page.split("<tbody>")[1]  # no raw JSON
    assert "reviewer@other-bank.example" not in page  # another bank's events stay there

    first = auditor.get("/security-log?kind=export").get_data(as_text=True)
    assert first.count("データの出力") == PAGE_SIZE + 1  # the rows and the kind's option
    assert "Excel（フォーマット）" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = auditor.get("/security-log?kind=export&page=2").get_data(as_text=True)
    assert second.count("<tr><td>") == 5 and 'rel="prev"' in second and 'rel="next"' not in second

    who = auditor.get("/security-log?who=ＲＥＶＩＥＷＥＲ@bank").get_data(as_text=True)  # full-width, folded
    assert "reviewer@bank.example" in who and "auditor@bank.example" not in who.split("<tbody>")[1]
    today = datetime.now(timezone(timedelta(hours=9))).date()
    assert "記録はありません" in auditor.get(f"/security-log?to={today - timedelta(days=1)}").get_data(as_text=True)
    assert "記録はありません" not in auditor.get(f"/security-log?from={today}&to={today}").get_data(as_text=True)
    bad = auditor.get("/security-log?from=2026-13-40")
    assert bad.status_code == 422 and "期間の開始日は日付" in bad.get_data(as_text=True)

    # a bank's admin sees its own bank only; the operator's admin every organisation
    admin = app.test_client()
    log_in(admin, "admin@bank.example")
    assert "reviewer@other-bank.example" not in admin.get("/security-log?kind=login").get_data(as_text=True)
    operator = container.accounts.add_org("運営会社", "operator")
    container.accounts.add_user(email="ops@operator.example", name="運営", org_id=operator, role="admin", password=PASSWORD)
    ops = app.test_client()
    log_in(ops, "ops@operator.example")
    everything = ops.get("/security-log?kind=login").get_data(as_text=True)
    assert "reviewer@other-bank.example" in everything and "南北信用金庫" in everything


def test_every_kind_of_security_event_has_a_japanese_label():
    import re
    from pathlib import Path

    recorded = set()
    for path in Path("service").rglob("*.py"):
        for first, second in re.findall(r'\.record\(\s*"(\w+)"(?: if \w+ else "(\w+)")?', path.read_text()):
            recorded |= {first, second} - {""}
    assert {"login", "lockout", "user_disabled", "user_enabled", "enrolment_token_issued"} <= recorded
    assert recorded <= set(KIND_LABELS), recorded - set(KIND_LABELS)


# ---------------------------------------------------------------- where login sends you


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/%09/evil.example",
        "/\t/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "/\n/evil.example",
        "/%2f/evil.example",
        "/%252f/evil.example",
        "%2F%2Fevil.example",
        "/\\evil.example",
        "/%5cevil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "https:/evil.example",
        "javascript:alert(1)",
        "//%09evil.example",
        " /evil",
        "/%e3%80%80/evil.example",
        "/\u200b/evil.example",
        "/%00",
        "evil.example",
        "",
    ],
)
def test_login_never_redirects_off_site(app, people, target):
    from urllib.parse import urlencode

    response = web_login(app.test_client(), "reviewer@bank.example", PASSWORD, urlencode({"next": target}))
    assert response.status_code == 302
    assert response.headers["Location"] == "/", (target, response.headers["Location"])


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/inbox", "/inbox"),
        ("/engagements/abc?tab=items#item-3", "/engagements/abc?tab=items#item-3"),
        ("/search?q=a b", "/search?q=a%20b"),
        ("/審査", "/%E5%AF%A9%E6%9F%BB"),
    ],
)
def test_login_keeps_a_same_site_path(app, people, target, location):
    from urllib.parse import urlencode

    response = web_login(app.test_client(), "reviewer@bank.example", PASSWORD, urlencode({"next": target}))
    assert response.status_code == 302 and response.headers["Location"] == location


# ---------------------------------------------------------------- unknown accounts cost the same work


class CountingHasher:
    """The accounts' password hasher, counting what it is asked to do."""

    def __init__(self, hasher) -> None:
        self.hasher, self.calls = hasher, []

    def __getattr__(self, name: str):
        method = getattr(self.hasher, name)
        if name in ("verify", "hash"):
            return lambda *args: self.calls.append(name) or method(*args)
        return method


def test_an_unknown_or_disabled_account_verifies_a_hash_like_a_known_one(app, people, monkeypatch):
    accounts = app.extensions["container"].accounts
    accounts.set_active(people.other_connector.id, False)
    counting = CountingHasher(accounts.hasher)
    monkeypatch.setattr(accounts, "hasher", counting)
    accounts.__dict__.pop("_dummy_hash", None)
    accounts.authenticate("warm-up@x.example", "the dummy hash is made once")
    api = app.test_client()
    for email in ("staff@fintech.example", "nobody@fintech.example", "staff@other.example", "ＳＴＡＦＦ@fintech.example"):
        counting.calls.clear()
        assert api.post("/api/v1/auth/token", json={"email": email, "password": "wrong password!"}).status_code == 401
        assert counting.calls == ["verify"], (email, counting.calls)
    assert accounts.hasher.check_needs_rehash(accounts._dummy_hash) is False  # the parameters of real hashes


def test_unknown_accounts_take_about_as_long_as_known_ones(store):
    """A loose ratio with slower argon2 parameters than the other tests use."""
    import time
    from dataclasses import replace

    from service.bootstrap import bootstrap

    container = bootstrap(replace(store.settings, argon2_time_cost=2, argon2_memory_kib=32768))
    try:
        container.init()
        accounts = container.accounts
        bank = accounts.add_org("時間銀行", "bank")
        accounts.add_user(email="known@bank.example", name="既知", org_id=bank, role="reviewer", password=PASSWORD)
        accounts.authenticate("nobody@bank.example", "warm up the dummy")

        def took(email: str) -> float:
            start = time.perf_counter()
            for _ in range(5):
                assert accounts.authenticate(email, "wrong password!") is None
            return time.perf_counter() - start

        known, unknown = took("known@bank.example"), took("nobody@bank.example")
        assert 0.5 < unknown / known < 2, (known, unknown)
    finally:
        container.close()


# ---------------------------------------------------------------- addresses and names compared folded


def test_email_addresses_are_compared_after_nfkc_and_casefold(app, people, store):
    from tests.integration.test_cli import cli

    container = app.extensions["container"]
    accounts = container.accounts
    bank = people.reviewer.org_id
    with pytest.raises(Exception) as duplicate:
        accounts.add_user(email="ＲＥＶＩＥＷＥＲ@ｂａｎｋ.example", name="全角", org_id=bank, role="auditor", password=PASSWORD)
    assert duplicate.value.code == "duplicate_email"
    new = accounts.add_user(email="Ｔａｎａｋａ@Bank.Example", name="田中", org_id=bank, role="auditor", password=PASSWORD)
    assert accounts.email_of(new) == "tanaka@bank.example"
    api = app.test_client()
    for typed in ("tanaka@bank.example", "ＴＡＮＡＫＡ@ｂａｎｋ．ｅｘａｍｐｌｅ", " Tanaka@BANK.example "):
        assert api.post("/api/v1/auth/token", json={"email": typed, "password": PASSWORD}).status_code == 200, typed
    assert web_login(app.test_client(), "ＴＡＮＡＫＡ@bank.example", PASSWORD).status_code == 302

    # an address stored before addresses were folded is still found, and still taken
    with container.sessions.begin() as session:
        session.execute(update(User).where(User.id == people.connector.id).values(email="ＳＴＡＦＦ@fintech.example"))
    assert api.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": PASSWORD}).status_code == 200
    refused = cli(store, "user", "add", "--email", "Staff@Fintech.example", "--name", "重複", "--org", people.connector.org_id, "--role", "connector", stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "既に登録" in refused.stderr


def test_organisation_names_are_compared_after_nfkc(container):
    accounts = container.accounts
    accounts.add_org("ＡＢＣ銀行", "bank")
    for same in ("ABC銀行", " abc銀行 ", "ＡＢＣ銀行"):
        with pytest.raises(Exception) as duplicate:
            accounts.add_org(same, "bank")
        assert duplicate.value.code == "duplicate_org_name"
        assert json.dumps(duplicate.value.detail, ensure_ascii=False).isascii() is False  # a Japanese sentence
