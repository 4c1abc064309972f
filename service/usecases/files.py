"""Files on an engagement: evidence attached to items, the FISC フォーマット exported and
imported as Excel. Every download is written to the security log."""

from __future__ import annotations

from typing import Any

from ..blobs import BlobStore
from ..domain.actors import Actor, Side
from ..domain.codes import Role
from ..domain.concurrency import item_scope
from ..domain.engagement import Engagement
from ..domain.errors import EngagementNotFound, RoleNotAllowed
from ..editions import Editions
from .base import UseCases, retried
from .ports import ExportLog, ReadYourWrites
from .store import ReviewStore


class Files(UseCases):
    def __init__(
        self,
        store: ReviewStore,
        *,
        editions: Editions,
        blobs: BlobStore,
        export_log: ExportLog,
        read_your_writes: ReadYourWrites | None = None,
    ) -> None:
        super().__init__(store, read_your_writes=read_your_writes)
        self.editions = editions
        self.blobs = blobs
        self.export_log = export_log

    @retried
    def attach_evidence(
        self, actor: Actor, engagement_id: Any, number: int, *, data: bytes, filename: str, expected_version: Any = None
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version, item_scope(number))
        engagement.require(actor, "answer", number)  # refuse before the file is stored
        stored = self.blobs.put(data, filename)
        engagement.attach_evidence(actor, number, stored.as_record())
        return self._save(engagement)

    def evidence_file(self, actor: Actor, engagement_id: Any, sha256: str) -> tuple[bytes, dict[str, Any]]:
        """An evidence file, to whoever may see the engagement it is attached to."""
        engagement = self.store.visible(actor, engagement_id)
        record = engagement.has_evidence(sha256)
        if record is None:
            raise EngagementNotFound("この案件に該当する証跡はありません。")
        data = self.blobs.get(sha256)
        self.export_log.record("export", "success", actor=actor, what="evidence", engagement_id=str(engagement.id), sha256=sha256)
        return data, record

    def export_xlsx(self, actor: Actor, engagement_id: Any) -> tuple[bytes, Engagement]:
        """The engagement as the FISC フォーマット; the bank side also gets the Q&A and verdict sheets."""
        from ..xlsx.export import export_engagement  # openpyxl is loaded on the first Excel use, not in every process

        engagement = self.store.visible(actor, engagement_id)
        data = export_engagement(engagement, self.editions.get(engagement.edition), include_review=actor.side is Side.BANK)
        self.export_log.record("export", "success", actor=actor, what="xlsx", engagement_id=str(engagement.id))
        return data, engagement

    @retried
    def import_xlsx(self, actor: Actor, engagement_id: Any, data: bytes, *, expected_version: Any = None) -> Engagement:
        """Apply a filled フォーマット: every answer that differs, in one save, or nothing."""
        from ..xlsx.importing import import_answers  # openpyxl is loaded on the first Excel use, not in every process

        if actor.role not in (Role.CONNECTOR, Role.REVIEWER):
            raise RoleNotAllowed("回答を取り込めるのはAPI接続先または審査担当者です。")
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.require(actor, "write_some")
        changes = import_answers(data, engagement, self.editions.get(engagement.edition), side=actor.side)
        for change in changes:
            engagement.save_answer(
                actor,
                change.number,
                status=change.status,
                current_state=change.current_state,
                issues=change.issues,
                plan=change.plan,
                remarks=change.remarks,
            )
        return self._save(engagement) if changes else engagement
