"""Domain errors to HTTP statuses: one table, read by the pages and the API alike."""

from __future__ import annotations

from ..domain.errors import DomainError

STATUS_OF_KIND = {"invalid": 422, "unauthenticated": 401, "forbidden": 403, "not_found": 404, "conflict": 409}


def status_for(error: DomainError) -> int:
    """The status every entry point answers ``error`` with (a refused form included)."""
    return STATUS_OF_KIND[error.kind]
