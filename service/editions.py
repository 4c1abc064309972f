"""Checklist editions loaded into the database (the bundled one by ``init``).

An edition row is immutable once loaded: engagements refer to it by id, and the
text a reviewer saw must stay what it was.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Engine, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .catalogue import CatalogueError, edition_order, bundled_editions, edition_from_dict, edition_to_dict
from .domain.actors import Actor
from .domain.checklist import Edition, EditionDiff, diff_editions
from .domain.codes import Role
from .domain.errors import Conflict, Invalid, NotFound, RoleNotAllowed
from .storage import Base


class EditionNotFound(NotFound):
    code = "edition_not_found"


class EditionExists(Conflict):
    code = "edition_exists"


class EditionRow(Base):
    __tablename__ = "catalogue_editions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    published: Mapped[str] = mapped_column(String(20))
    document: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))
    published_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


EDITION_IDS = select(EditionRow.__table__.c.id)  # asked by every page: built once


def _row(edition: Edition, published_by: str | None = None) -> EditionRow:
    """An edition as it is stored: the bundled ones have no publisher."""
    return EditionRow(
        id=edition.id,
        title=edition.title,
        published=edition.published,
        document=json.dumps(edition_to_dict(edition), ensure_ascii=False),
        published_by=published_by,
    )


class Editions:
    """Published editions never change (a revision is a new edition), so each is
    read and parsed once per process."""

    def __init__(self, sessions: sessionmaker[Session], reads: Engine) -> None:
        self.sessions = sessions
        self.reads = reads  # the read engine (``storage.reading``): every page asks which editions exist
        self._parsed: dict[str, Edition] = {}

    def load_bundled(self) -> list[str]:
        """Load every bundled edition not loaded yet; returns the ids loaded now."""
        loaded = []
        with self.sessions.begin() as session:
            present = set(session.scalars(select(EditionRow.id)))
            for edition_id, edition in sorted(bundled_editions().items()):
                if edition_id in present:
                    continue
                session.add(_row(edition))
                loaded.append(edition_id)
        return loaded

    def publish(self, actor: Actor, document: Any) -> tuple[Edition, EditionDiff]:
        """The liaison desk publishes a revised edition; returns it with its diff
        against the edition it supersedes."""
        if actor.role is not Role.LIAISON:
            raise RoleNotAllowed("チェックリストの版を登録できるのはFISC連絡窓口です。")
        try:
            edition = edition_from_dict(document, source="アップロードされた版", item_count=None)
        except CatalogueError as error:
            raise Invalid(f"チェックリストの版の内容に誤りがあります（{error}）。", field="document") from None
        if edition.id in self.ids():
            raise EditionExists(f"{edition.id}版は登録済みです。")
        current = self.current()
        if edition_order(edition.id) <= edition_order(current.id):
            raise Invalid(f"{edition.id}版は現行の{current.id}版より新しい版でなければなりません。", field="edition")
        with self.sessions.begin() as session:
            if session.get(EditionRow, edition.id) is not None:
                raise EditionExists(f"{edition.id}版は登録済みです。")
            session.add(_row(edition, published_by=f"{actor.name}（{actor.org_name}）"))
        return edition, diff_editions(current, edition)

    def diff(self, old_id: str, new_id: str) -> EditionDiff:
        return diff_editions(self.get(old_id), self.get(new_id))

    def ids(self) -> list[str]:
        """Loaded editions, oldest first."""
        with self.reads.connect() as connection:
            return sorted(connection.scalars(EDITION_IDS), key=edition_order)

    def current(self) -> Edition:
        ids = self.ids()
        if not ids:
            raise EditionNotFound("チェックリストの版が登録されていません（`python -m service init` を実行してください）。")
        return self.get(ids[-1])

    def get(self, edition_id: str) -> Edition:
        if edition_id not in self._parsed:
            with self.reads.connect() as connection:
                document = connection.scalar(select(EditionRow.document).where(EditionRow.id == edition_id))
            if document is None:
                raise EditionNotFound(f"{edition_id}版は登録されていません。")
            self._parsed[edition_id] = edition_from_dict(json.loads(document), source=f"edition {edition_id}", item_count=None)
        return self._parsed[edition_id]
