"""Who does something: the identity every event records."""

from __future__ import annotations

from dataclasses import dataclass

from .codes import Role

BANK_SIDE = frozenset({Role.REVIEWER, Role.AUDITOR})
CONNECTOR_SIDE = frozenset({Role.CONNECTOR})


@dataclass(frozen=True)
class Actor:
    """A user acting for an organisation, as recorded on every event.

    Name and organisation name are captured at the time of the act, so the audit
    trail shows them as they were even after a rename.
    """

    id: str
    name: str
    org_id: str
    org_name: str
    role: Role

    def as_record(self) -> dict[str, str]:
        """The plain dict an event stores (written out: ``dataclasses.asdict`` deep-copies, and
        every command calls this)."""
        return {"id": self.id, "name": self.name, "org_id": self.org_id, "org_name": self.org_name, "role": self.role.value}

    @classmethod
    def from_record(cls, record: dict[str, str]) -> "Actor":
        return cls(**{**record, "role": Role(record["role"])})


SYSTEM_ACTOR = Actor(id="system", name="システム", org_id="system", org_name="システム", role=Role.SYSTEM)
"""The scheduler acting on its own (annual monitoring, advisory fan-out)."""
