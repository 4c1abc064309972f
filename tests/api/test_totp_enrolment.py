"""TOTP enrolment over the API (contract, second edition), on both stores: /auth/token answers
403 mfa_enrolment_required with a short-lived enrolment token good for /auth/totp/* only;
enrol gives the secret, confirm turns it on, then /auth/token takes the app's code."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest

from service.bootstrap import bootstrap
from service.app import create_app
from tests.integration.conftest import PASSWORD


@pytest.fixture
def mfa_app(store, people):
    container = bootstrap(replace(store.settings, mfa_required_roles=("reviewer", "admin")))
    try:
        yield create_app(container)
    finally:
        container.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def enrolment_token(client, email: str = "reviewer@bank.example") -> str:
    refused = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 403, refused.json
    assert refused.json["error"]["code"] == "mfa_enrolment_required"
    assert refused.json["error"]["enrolment_token"] == refused.json["enrolment_token"]
    return refused.json["enrolment_token"]


def test_a_user_who_must_enrol_does_so_over_the_api_and_then_signs_in_with_totp(mfa_app):
    api = mfa_app.test_client()
    token = enrolment_token(api)
    assert api.get("/api/v1/inbox", headers=bearer(token)).status_code == 401  # good for enrolment only
    assert api.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 401
    early = api.post("/api/v1/auth/totp/confirm", json={"code": "123456"}, headers=bearer(token))
    assert early.status_code == 422 and early.json["error"]["field"] == "code"

    enrolled = api.post("/api/v1/auth/totp/enrol", headers=bearer(token))
    assert enrolled.status_code == 200
    secret, uri = enrolled.json["secret"], enrolled.json["otpauth_uri"]
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    wrong = api.post("/api/v1/auth/totp/confirm", json={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}, headers=bearer(token))
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "validation_error"
    confirmed = api.post("/api/v1/auth/totp/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=bearer(token))
    assert confirmed.status_code == 200 and confirmed.json == {"enrolled": True}
    # spent: the token does not enrol again
    assert api.post("/api/v1/auth/totp/enrol", headers=bearer(token)).status_code == 401

    without = api.post("/api/v1/auth/token", json={"email": "reviewer@bank.example", "password": PASSWORD})
    assert without.status_code == 401 and without.json["error"]["code"] == "totp_required"
    code = pyotp.TOTP(secret).at(time.time() + 30)  # the next step: the confirming code is used up
    signed = api.post("/api/v1/auth/token", json={"email": "reviewer@bank.example", "password": PASSWORD, "totp": code})
    assert signed.status_code == 200, signed.json
    assert api.get("/api/v1/inbox", headers=bearer(signed.json["token"])).status_code == 200
    kinds = {e.kind for e in mfa_app.extensions["container"].security_log.events(None)[0]}
    assert {"enrolment_token_issued", "mfa_enrolled"} <= kinds


def test_enrolment_tokens_are_short_lived_and_die_with_the_credentials(mfa_app, people):
    container = mfa_app.extensions["container"]
    api = mfa_app.test_client()
    assert api.post("/api/v1/auth/totp/enrol", headers=bearer("not-a-token")).status_code == 401
    assert api.post("/api/v1/auth/totp/enrol").status_code == 401
    ordinary = api.post("/api/v1/auth/token", json={"email": "staff@fintech.example", "password": PASSWORD}).json["token"]
    assert api.post("/api/v1/auth/totp/enrol", headers=bearer(ordinary)).status_code == 401  # an API token is not one

    token = enrolment_token(api)
    clock = container.second_factor.clock
    container.second_factor.clock = lambda: clock() + timedelta(minutes=11)
    try:
        expired = api.post("/api/v1/auth/totp/enrol", headers=bearer(token))
        assert expired.status_code == 401 and expired.json["error"]["code"] == "invalid_token"
    finally:
        container.second_factor.clock = clock

    token = enrolment_token(api)
    container.accounts.set_active(people.reviewer.id, False)
    assert api.post("/api/v1/auth/totp/enrol", headers=bearer(token)).status_code == 401


def test_the_enrolment_routes_are_in_the_openapi_document(mfa_app):
    document = mfa_app.test_client().get("/api/v1/openapi.json").json
    paths = document["paths"]
    assert "post" in paths["/api/v1/auth/totp/enrol"] and "post" in paths["/api/v1/auth/totp/confirm"]
    assert "403" in paths["/api/v1/auth/token"]["post"]["responses"]
    enrol = paths["/api/v1/auth/totp/enrol"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert enrol


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("typed", ["full-width", "arabic-indic", "spaced"])
def test_a_code_typed_in_full_width_digits_is_read_after_nfkc_and_others_are_refused(mfa_app, typed):
    api = mfa_app.test_client()
    token = enrolment_token(api)
    secret = api.post("/api/v1/auth/totp/enrol", headers=bearer(token)).json["secret"]
    code = pyotp.TOTP(secret).now()
    if typed == "full-width":
        confirmed = api.post("/api/v1/auth/totp/confirm", json={"code": code.translate(FULL_WIDTH)}, headers=bearer(token))
        assert confirmed.status_code == 200, confirmed.json
    elif typed == "arabic-indic":  # digits NFKC leaves as they are: no match, never a 500
        other = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        refused = api.post("/api/v1/auth/totp/confirm", json={"code": other}, headers=bearer(token))
        assert refused.status_code == 422, refused.json
    else:
        confirmed = api.post("/api/v1/auth/totp/confirm", json={"code": f" {code} "}, headers=bearer(token))
        assert confirmed.status_code == 200, confirmed.json
