"""Accounts over the API: bearer tokens for e-mail and password (+ TOTP), enrolling the second
factor with an enrolment token, and revoking a token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from spectree import Response

from ..auth.authenticator import MfaEnrolmentRequired
from ..domain.errors import InvalidToken
from ..messages import error_message
from .operations import EVERYONE, body, container, errors, operation
from .schemas.accounts import EnrolmentRequiredResponse, TokenRequest, TokenResponse, TotpConfirmIn, TotpConfirmOut, TotpEnrolOut

bp = Blueprint("accounts", __name__)


@bp.post("/auth/token")
@operation(
    json=TokenRequest,
    resp=Response(HTTP_200=TokenResponse, HTTP_403=EnrolmentRequiredResponse, **errors(400, 401, 413, 422, 429)),
    tags=["auth"],
    security={},
)
def issue_token():
    """Exchange e-mail and password (+ totp when enrolled) for a bearer token valid ≤ 1 hour."""
    data = body()
    auth = container().authenticator
    client = request.remote_addr or ""
    try:
        actor = auth.login(data.email, data.password, data.totp, client=client, channel="api")
    except MfaEnrolmentRequired as refused:
        enrolment = container().second_factor.issue_enrolment_token(refused.context["actor"], client=client)
        return enrolment_required(refused, enrolment)
    issued = auth.issue_token(actor, client=client)
    return jsonify({"token": issued.token, "expires_at": issued.expires_at.isoformat()})


def enrolment_required(refused: MfaEnrolmentRequired, enrolment: Any):
    """403 ``mfa_enrolment_required`` carrying the enrolment token (in the error and at the top)."""
    token, expires_at = enrolment.token, enrolment.expires_at.isoformat()
    error = {"code": refused.code, "message": error_message(refused), "enrolment_token": token, "expires_at": expires_at}
    return jsonify({"error": error, "enrolment_token": token, "expires_at": expires_at}), 403


def enrolment_token() -> str:
    """The bearer token of a TOTP enrolment call (an enrolment token, nothing else)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("send Authorization: Bearer ENROLMENT_TOKEN (from POST /api/v1/auth/token)")
    return token.strip()


@bp.post("/auth/totp/enrol")
@operation(resp=Response(HTTP_200=TotpEnrolOut, **errors(401)), tags=["auth"])
def enrol_totp():
    """Start enrolling a second factor (Bearer: the enrolment token answered by /auth/token with
    403 mfa_enrolment_required): a new secret and its otpauth URI for the authenticator app."""
    secret, uri = container().second_factor.enrol_totp(enrolment_token())
    return jsonify({"secret": secret, "otpauth_uri": uri})


@bp.post("/auth/totp/confirm")
@operation(json=TotpConfirmIn, resp=Response(HTTP_200=TotpConfirmOut, **errors(400, 401, 413)), tags=["auth"])
def confirm_totp():
    """Confirm the secret with the app's current code (Bearer: the enrolment token); the token
    is then spent and POST /auth/token takes email, password and totp."""
    container().second_factor.confirm_enrolled_totp(enrolment_token(), body().code)
    return jsonify({"enrolled": True})


@bp.post("/auth/logout")
@operation(*EVERYONE, resp=Response("HTTP_204", **errors(401)), tags=["auth"])
def logout():
    """Revoke the token used for this call."""
    container().authenticator.revoke_token(g.token)
    return "", 204
