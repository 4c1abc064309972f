"""The bench reviewer's second factor: reviewers must use TOTP, so the bench enrols
one through the real use case and logs in with fresh codes.

The service accepts each time step once (replay protection), within ±1 step of
now; the last step used is kept in a small file so that the bench process and the
latency process (form login, then API token) never reuse one. When no unused step
is valid yet, this waits for the next one (at most one 30-second step); the
gunicorn load therefore logs in as a second reviewer with a secret and file of its own.
"""

from __future__ import annotations

import time
from pathlib import Path

STEP = 30


def _now_step() -> int:
    return int(time.time() // STEP)


def _oldest_safe_step() -> int:
    """now-1 (valid until the current step ends) unless that is less than 2 s away."""
    now = time.time()
    current = int(now // STEP)
    return current if (current + 1) * STEP - now < 2 else current - 1


def enrol(container: object, actor: object, state: Path) -> str | None:
    """Enrol a TOTP secret for ``actor``; ``None`` when this code base has no TOTP."""
    auth = getattr(container, "second_factor", None) or getattr(container, "authenticator", None)
    if auth is None or not hasattr(auth, "start_totp_enrolment") or not hasattr(auth, "confirm_totp"):
        return None
    import pyotp

    secret = auth.start_totp_enrolment()
    step = _oldest_safe_step()  # the oldest valid step, leaving the newer ones for the logins
    auth.confirm_totp(actor, secret, pyotp.TOTP(secret).at(step * STEP))
    state.write_text(str(step))
    return secret


def next_code(secret: str | None, state: Path | None) -> str | None:
    """A code for a step newer than any used before (waiting for one if needed)."""
    if not secret or state is None:
        return None
    import pyotp

    last = int(state.read_text()) if state.exists() else _now_step() - 2
    step = max(last + 1, _oldest_safe_step())
    while step > _now_step() + 1:
        time.sleep(max(0.05, (step - 1) * STEP - time.time() + 0.05))
    state.write_text(str(step))
    return pyotp.TOTP(secret).at(step * STEP)
