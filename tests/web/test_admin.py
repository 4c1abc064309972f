"""Administration through the admin pages and the CLI, on both stores: an admin manages its own
organisation's users only, the operator's admins every organisation; disabling asks first and
refuses oneself and an organisation's last admin; names with control characters are refused
in Japanese, with what was typed kept."""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import PASSWORD
from tests.integration.test_cli import assert_bad_input, cli
from tests.web.test_page_security import csrf_from, log_in


def signed_in(app, email: str):
    client = app.test_client()
    log_in(client, email)
    return client


def add_user_form(client, **fields):
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    data = {"csrf_token": token, "email": "new@bank.example", "name": "新人", "role": "auditor", "password": PASSWORD}
    return client.post("/admin/users", data={**data, **fields})


@pytest.fixture
def operator(app):
    accounts = app.extensions["container"].accounts
    org = accounts.add_org("運営会社", "operator")
    accounts.add_user(email="ops@operator.example", name="運営", org_id=org, role="admin", password=PASSWORD)
    return signed_in(app, "ops@operator.example")


def test_a_banks_admin_manages_its_own_bank_only(app, people):
    accounts = app.extensions["container"].accounts
    admin = signed_in(app, "admin@bank.example")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "reviewer@bank.example" in page and "reviewer@other-bank.example" not in page and "南北信用金庫" not in page
    refused = add_user_form(admin, org_id=people.other_reviewer.org_id, email="x@other-bank.example")
    assert refused.status_code == 422 and "x@other-bank.example" in refused.get_data(as_text=True)
    assert all(user.email != "x@other-bank.example" for user in accounts.users())
    with pytest.raises(Exception) as not_found:  # the use case itself refuses, whoever calls it
        accounts.add_user(email="y@other-bank.example", name="Y", org_id=people.other_reviewer.org_id, role="auditor", password=PASSWORD, by=people.admin)
    assert not_found.value.code == "org_not_found"
    assert add_user_form(admin, org_id=people.admin.org_id).status_code == 303
    # another organisation's user is as missing as an unknown one; nor may a bank's admin add organisations
    assert admin.get(f"/admin/users/{people.other_reviewer.id}/disable").status_code == 404
    token = csrf_from(admin.get("/admin/users").get_data(as_text=True))
    assert admin.post(f"/admin/users/{people.other_reviewer.id}/disable", data={"csrf_token": token}).status_code == 404
    assert accounts.actor(people.other_reviewer.id) is not None
    orgs = admin.get("/admin/orgs").get_data(as_text=True)
    assert "東西銀行" in orgs and "南北信用金庫" not in orgs and "組織を登録" not in orgs
    assert admin.post("/admin/orgs", data={"csrf_token": token, "name": "新銀行", "kind": "bank"}).status_code == 403
    assert signed_in(app, "reviewer@bank.example").get("/admin/users").status_code == 403


def test_the_operators_admin_manages_every_organisation(app, people, operator):
    accounts = app.extensions["container"].accounts
    page = operator.get("/admin/users").get_data(as_text=True)
    assert "reviewer@bank.example" in page and "reviewer@other-bank.example" in page
    assert add_user_form(operator, org_id=people.other_reviewer.org_id, email="z@other-bank.example").status_code == 303
    token = csrf_from(operator.get("/admin/orgs").get_data(as_text=True))
    assert operator.post("/admin/orgs", data={"csrf_token": token, "name": "新銀行", "kind": "bank"}).status_code == 303
    duplicate = operator.post("/admin/orgs", data={"csrf_token": token, "name": "新銀行", "kind": "bank"})
    assert duplicate.status_code == 409 and "既に登録" in duplicate.get_data(as_text=True)
    assert "運営者" in operator.get("/admin/orgs").get_data(as_text=True)
    assert any(user.email == "z@other-bank.example" for user in accounts.users())


def test_disabling_asks_first_and_spares_oneself_and_the_last_admin(app, people):
    container = app.extensions["container"]
    accounts = container.accounts
    admin = signed_in(app, "admin@bank.example")
    confirm = admin.get(f"/admin/users/{people.reviewer.id}/disable")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "無効にしますか" in html and "reviewer@bank.example" in html
    assert accounts.actor(people.reviewer.id) is not None  # looking at the question changes nothing
    done = admin.post(f"/admin/users/{people.reviewer.id}/disable", data={"csrf_token": csrf_from(html)})
    assert done.status_code == 303 and accounts.actor(people.reviewer.id) is None
    token = csrf_from(admin.get("/admin/users").get_data(as_text=True))
    assert admin.post(f"/admin/users/{people.reviewer.id}/enable", data={"csrf_token": token}).status_code == 303
    assert accounts.actor(people.reviewer.id) is not None

    own = admin.post(f"/admin/users/{people.admin.id}/disable", data={"csrf_token": token})
    assert own.status_code == 409 and "自分自身" in own.get_data(as_text=True)
    second = accounts.add_user(email="admin2@bank.example", name="管理二", org_id=people.admin.org_id, role="admin", password=PASSWORD)
    assert admin.post(f"/admin/users/{second}/disable", data={"csrf_token": token}).status_code == 303
    # the last active admin of the bank: refused to its own admins and to the operator's
    accounts.set_active(second, True)
    other = signed_in(app, "admin2@bank.example")
    other_token = csrf_from(other.get("/admin/users").get_data(as_text=True))
    assert other.post(f"/admin/users/{people.admin.id}/disable", data={"csrf_token": other_token}).status_code == 303
    with pytest.raises(Exception) as last:
        accounts.set_active(second, False, by=accounts.actor(second))
    assert last.value.code == "last_admin"
    ops_org = accounts.add_org("運営会社", "operator")
    ops = accounts.actor(accounts.add_user(email="ops@operator.example", name="運営", org_id=ops_org, role="admin", password=PASSWORD))
    with pytest.raises(Exception) as last:
        accounts.set_active(second, False, by=ops)
    assert last.value.code == "last_admin"
    refused = [e for e in container.security_log.events(people.admin.org_id)[0] if e.kind == "user_disabled"]
    assert len(refused) == 3  # reviewer, admin2, admin: each in the bank's log


def test_names_with_control_characters_are_refused_and_the_typed_text_kept(app, people, operator):
    admin = signed_in(app, "admin@bank.example")
    refused = add_user_form(admin, org_id=people.admin.org_id, name="新人\u0007太郎", email="kept@bank.example")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "改行や制御文字" in html and 'value="kept@bank.example"' in html
    token = csrf_from(operator.get("/admin/orgs").get_data(as_text=True))
    org = operator.post("/admin/orgs", data={"csrf_token": token, "name": "悪い\u001b[31m銀行", "kind": "bank"})
    assert org.status_code == 422 and "改行や制御文字" in org.get_data(as_text=True) and "銀行" in org.get_data(as_text=True)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", "".join(o.name for o in app.extensions["container"].accounts.orgs()))


@pytest.mark.slow
def test_cli_disables_and_enables_users_and_refuses_control_characters(store, people):
    from service.bootstrap import bootstrap

    assert_bad_input(cli(store, "org", "add", "--name", "改行\n銀行", "--kind", "bank"), "改行や制御文字")
    assert_bad_input(cli(store, "org", "add", "--name", "ベル\u0007銀行", "--kind", "bank"), "U+0007")
    assert_bad_input(
        cli(store, "user", "add", "--email", "n@bank.example", "--name", "名前\r偽", "--org", people.admin.org_id, "--role", "auditor", stdin=PASSWORD + "\n"),
        "氏名に使用できない",
    )
    disabled = cli(store, "user", "disable", "--email", "ＡＤＭＩＮ@bank.example")
    assert disabled.returncode == 0, disabled.stderr
    container = bootstrap(store.settings)
    try:
        assert container.accounts.actor(people.admin.id) is None
        assert cli(store, "user", "enable", "--email", "admin@bank.example").returncode == 0
        assert container.accounts.actor(people.admin.id) is not None
    finally:
        container.close()
    assert_bad_input(cli(store, "user", "disable", "--email", "nobody@bank.example"), "利用者はいません")
    operator = cli(store, "org", "add", "--name", "運営会社", "--kind", "operator")
    assert operator.returncode == 0 and len(operator.stdout.strip()) == 36
