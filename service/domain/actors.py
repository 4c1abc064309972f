"""Who does something: the identity every event records, and the side of an engagement
each role acts for."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .checklist import Party
from .codes import Role


class Side(str, Enum):
    """The two parties to an engagement: the bank that reviews and the connector under review.
    Every "which side is this role on" asks ``Side.of``."""

    BANK = "bank"
    CONNECTOR = "connector"

    @classmethod
    def of(cls, role: Role | str) -> "Side | None":
        """The side ``role`` acts for; the liaison desk, admins and the scheduler are on neither."""
        return SIDE_OF_ROLE.get(Role(role))

    @property
    def other(self) -> "Side":
        return Side.CONNECTOR if self is Side.BANK else Side.BANK

    @property
    def parties(self) -> tuple[str, str]:
        """The 対象者 of the items this side answers: its own (a party's code is its side's) and the common ones."""
        return (self.value, Party.COMMON.value)


SIDE_OF_ROLE = {Role.REVIEWER: Side.BANK, Role.AUDITOR: Side.BANK, Role.CONNECTOR: Side.CONNECTOR}


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

    @property
    def side(self) -> Side | None:
        return Side.of(self.role)

    def as_record(self) -> dict[str, str]:
        """The plain dict an event stores (written out: ``dataclasses.asdict`` deep-copies, and
        every command calls this)."""
        return {"id": self.id, "name": self.name, "org_id": self.org_id, "org_name": self.org_name, "role": self.role.value}

    @classmethod
    def from_record(cls, record: dict[str, str]) -> "Actor":
        return cls(**{**record, "role": Role(record["role"])})


SYSTEM_ACTOR = Actor(id="system", name="システム", org_id="system", org_name="システム", role=Role.SYSTEM)
"""The scheduler acting on its own (annual monitoring, advisory fan-out)."""
