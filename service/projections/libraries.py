"""Answer libraries on the read side: which banks each library is shared with, and every
certification with its validity (for the board's expiry column and certificate_expiry)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Index, String, Table, Text, delete, update

from ..domain.answer_library import AnswerLibrary
from ..storage import Base
from .runner import Projection

library_shares = Table(
    "rm_library_shares",
    Base.metadata,
    Column("connector_id", String(36), primary_key=True),
    Column("bank_id", String(36), primary_key=True),
    Column("bank_name", String(200), nullable=False),
    Index("ix_rm_library_shares_bank", "bank_id"),
)

certifications = Table(
    "rm_certifications",
    Base.metadata,
    Column("certification_id", String(36), primary_key=True),
    Column("connector_id", String(36), nullable=False),
    Column("connector_name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("issuer", String(200), nullable=False),
    Column("scope", Text, nullable=False),
    Column("valid_from", String(10), nullable=False),
    Column("valid_until", String(10), nullable=False),
    Column("items", Text, nullable=False),
    Column("has_file", Boolean, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    Index("ix_rm_certifications_connector", "connector_id", "valid_until"),
)

library_owners = Table(
    "rm_library_owners",
    Base.metadata,
    Column("library_id", String(36), primary_key=True),
    Column("connector_id", String(36), nullable=False),
    Column("connector_name", String(200), nullable=False),
)


class LibraryProjection(Projection):
    name = "libraries"
    tables = (library_shares, certifications, library_owners)
    event_types = (AnswerLibrary.Event,)

    def _owner(self, connection: Connection, event: Any) -> Any:
        return connection.execute(
            library_owners.select().where(library_owners.c.library_id == str(event.originator_id))
        ).one()

    def on_Started(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            library_owners.insert().values(
                library_id=str(event.originator_id), connector_id=event.connector_org_id, connector_name=event.connector_name
            )
        )

    def on_Shared(self, connection: Connection, event: Any, _position: int) -> None:
        owner = self._owner(connection, event)
        connection.execute(
            library_shares.insert().values(connector_id=owner.connector_id, bank_id=event.bank["id"], bank_name=event.bank["name"])
        )

    def on_Unshared(self, connection: Connection, event: Any, _position: int) -> None:
        owner = self._owner(connection, event)
        connection.execute(
            delete(library_shares).where(
                library_shares.c.connector_id == owner.connector_id, library_shares.c.bank_id == event.bank_id
            )
        )

    def on_CertificationRegistered(self, connection: Connection, event: Any, _position: int) -> None:
        owner = self._owner(connection, event)
        certification = event.certification
        connection.execute(
            certifications.insert().values(
                certification_id=certification["id"],
                connector_id=owner.connector_id,
                connector_name=owner.connector_name,
                kind=certification["kind"],
                issuer=certification["issuer"],
                scope=certification["scope"],
                valid_from=certification["valid_from"],
                valid_until=certification["valid_until"],
                items=json.dumps(certification["items"]),
                has_file=certification["file"] is not None,
                withdrawn=False,
            )
        )

    def on_CertificationWithdrawn(self, connection: Connection, event: Any, _position: int) -> None:
        connection.execute(
            update(certifications).where(certifications.c.certification_id == event.certification_id).values(withdrawn=True)
        )
