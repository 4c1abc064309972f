"""A bank's tailoring templates (risk-based: the items it leaves out, with their reasons, and
its own items), reused when it opens an engagement with any connector. A template is bank
configuration, not case content: it is a row of its own, and what an engagement took from it
is recorded in the engagement's Opened event."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Engine, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from .domain.actors import Actor
from .domain.checklist import Edition
from .domain.codes import Role
from .domain.engagement_lifecycle import checked_custom, checked_dropped
from .domain.errors import Invalid, NotFound, RoleNotAllowed
from .domain.text import one_line
from .storage import Base, as_utc

MAX_TEMPLATES = 100  # a bank's own set; the page lists them all


class TemplateNotFound(NotFound):
    code = "template_not_found"


class TailoringTemplateRow(Base):
    __tablename__ = "tailoring_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bank_org_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)  # {"dropped_items": [...], "custom_items": [...]}, checked
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TailoringTemplates:
    def __init__(self, sessions: sessionmaker[Session], reads: Engine) -> None:
        self.sessions = sessions
        self.reads = reads

    def create(self, actor: Actor, edition: Edition, *, name: Any, dropped_items: Any = (), custom_items: Any = ()) -> str:
        """Record a template of ``actor``'s bank, checked by the same rules as opening (against
        ``edition``, the current one)."""
        self._require_reviewer(actor)
        if not isinstance(dropped_items, (list, tuple)) or not isinstance(custom_items, (list, tuple)):
            raise Invalid("削除する項目と独自項目は一覧で指定してください。", field="dropped_items")
        document = {
            "dropped_items": checked_dropped(dropped_items, edition.numbers),
            "custom_items": [checked_custom(entry, f"custom_items[{i}]") for i, entry in enumerate(custom_items)],
        }
        if not document["dropped_items"] and not document["custom_items"]:
            raise Invalid("削除する項目か独自項目を1つ以上指定してください。", field="dropped_items")
        with self.sessions.begin() as session:
            count = session.scalar(select(func.count()).where(TailoringTemplateRow.bank_org_id == actor.org_id))
            if count >= MAX_TEMPLATES:
                raise Invalid(f"テンプレートは{MAX_TEMPLATES}件までです。", field="name")
            row = TailoringTemplateRow(
                id=str(uuid.uuid4()),
                bank_org_id=actor.org_id,
                name=one_line(name, "name", required=True, limit=200),
                document=json.dumps(document, ensure_ascii=False),
                created_by=f"{actor.name}（{actor.org_name}）",
                created_at=datetime.now(timezone.utc),
            )
            session.add(row)
        return row.id

    def of_bank(self, actor: Actor) -> list[dict[str, Any]]:
        """The templates of the actor's own bank, newest first."""
        self._require_reviewer(actor)
        query = (
            select(TailoringTemplateRow)
            .where(TailoringTemplateRow.bank_org_id == actor.org_id)
            .order_by(TailoringTemplateRow.created_at.desc())
        )
        with Session(self.reads) as session:
            return [_as_dict(row) for row in session.scalars(query)]

    def get(self, actor: Actor, template_id: Any) -> dict[str, Any]:
        """A template of the actor's bank; another bank's is reported exactly like a missing one."""
        self._require_reviewer(actor)
        with Session(self.reads) as session:
            row = session.get(TailoringTemplateRow, str(template_id)) if isinstance(template_id, str) else None
            if row is None or row.bank_org_id != actor.org_id:
                raise TemplateNotFound("指定されたテンプレートはありません。", field="template_id")
            return _as_dict(row)

    @staticmethod
    def _require_reviewer(actor: Actor) -> None:
        if actor.role is not Role.REVIEWER:
            raise RoleNotAllowed("テンプレートを扱えるのは金融機関の審査担当者です。")


def _as_dict(row: TailoringTemplateRow) -> dict[str, Any]:
    document = json.loads(row.document)
    return {
        "id": row.id,
        "name": row.name,
        "dropped_items": document["dropped_items"],
        "custom_items": document["custom_items"],
        "created_by": row.created_by,
        "created_at": as_utc(row.created_at).isoformat(),  # SQLite hands the time back without its zone
    }
