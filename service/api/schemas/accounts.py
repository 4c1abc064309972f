"""Bodies and answers of /auth: tokens and the TOTP second factor."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictStr

from .common import Body, ErrorResponse


class TokenRequest(Body):
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=1024)
    totp: StrictStr | None = Field(default=None, max_length=12)


class TokenResponse(BaseModel):
    token: str
    expires_at: datetime


class TotpEnrolOut(BaseModel):
    secret: str = Field(description="Base32 TOTP secret (30-second steps, 6 digits, SHA-1)")
    otpauth_uri: str = Field(description="otpauth:// URI for an authenticator app (QR code)")


class TotpConfirmIn(Body):
    code: StrictStr = Field(max_length=12, description="The app's current 6-digit code")


class TotpConfirmOut(BaseModel):
    enrolled: bool


class EnrolmentRequiredResponse(ErrorResponse):
    """403 mfa_enrolment_required from /auth/token: the role must enrol TOTP first."""

    enrolment_token: str = Field(description="Bearer token (10 minutes) for /auth/totp/enrol and /auth/totp/confirm only")
    expires_at: datetime
