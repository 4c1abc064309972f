"""Authentication: who is calling, and with which credential.

``authenticator``: password login with lockout, server-side browser sessions, revocable API
tokens; ``totp``: the second factor (enrolment in the browser or over the API, single-use
codes at login); ``tables``: the SQL rows both keep.
"""
