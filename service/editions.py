"""Checklist editions loaded into the database (the bundled one by ``init``).

An edition row is immutable once loaded: engagements refer to it by id, and the
text a reviewer saw must stay what it was.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .catalogue import bundled_editions, edition_from_dict, edition_to_dict
from .domain.checklist import Edition
from .domain.errors import NotFound
from .storage import Base


class EditionNotFound(NotFound):
    code = "edition_not_found"


class EditionRow(Base):
    __tablename__ = "catalogue_editions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    published: Mapped[str] = mapped_column(String(20))
    document: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))


class Editions:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def load_bundled(self) -> list[str]:
        """Load every bundled edition not loaded yet; returns the ids loaded now."""
        loaded = []
        with self.sessions.begin() as session:
            present = set(session.scalars(select(EditionRow.id)))
            for edition_id, edition in sorted(bundled_editions().items()):
                if edition_id in present:
                    continue
                session.add(
                    EditionRow(
                        id=edition.id,
                        title=edition.title,
                        published=edition.published,
                        document=json.dumps(edition_to_dict(edition), ensure_ascii=False),
                    )
                )
                loaded.append(edition_id)
        return loaded

    def ids(self) -> list[str]:
        with self.sessions() as session:
            return list(session.scalars(select(EditionRow.id).order_by(EditionRow.published, EditionRow.id)))

    def current(self) -> Edition:
        ids = self.ids()
        if not ids:
            raise EditionNotFound("no checklist edition is loaded; run `python -m service init`")
        return self.get(ids[-1])

    def get(self, edition_id: str) -> Edition:
        with self.sessions() as session:
            row = session.get(EditionRow, edition_id)
            if row is None:
                raise EditionNotFound(f"edition {edition_id} is not loaded")
            return _parse(row.id, row.document)


@lru_cache(maxsize=16)
def _parse(edition_id: str, document: str) -> Edition:
    return edition_from_dict(json.loads(document), source=f"edition {edition_id}")
