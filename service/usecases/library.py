"""The connector's answer library (answer once, reuse in every engagement, share with
banks) and the third-party certifications registered in it."""

from __future__ import annotations

import uuid
from typing import Any

from ..accounts import Accounts
from ..blobs import BlobStore, StoredBlob
from ..domain.actors import Actor, Side
from ..domain.answer_library import AnswerLibrary
from ..domain.codes import OrgKind, Role
from ..domain.answers import answer_fields
from ..domain.engagement import Engagement
from ..domain.errors import NotFound, RoleNotAllowed
from .base import UseCases, retried
from .engagements import org_of_kind
from .ports import ExportLog, LibraryIndex, ReadYourWrites
from .store import ReviewStore


class LibraryNotFound(NotFound):
    code = "library_not_found"


class Libraries(UseCases):
    def __init__(
        self,
        store: ReviewStore,
        *,
        accounts: Accounts,
        blobs: BlobStore,
        index: LibraryIndex,
        export_log: ExportLog,
        read_your_writes: ReadYourWrites | None = None,
    ) -> None:
        super().__init__(store, read_your_writes=read_your_writes)
        self.accounts = accounts
        self.blobs = blobs
        self.index = index
        self.export_log = export_log

    def _own_library(self, actor: Actor) -> AnswerLibrary:
        if actor.role is not Role.CONNECTOR:
            raise RoleNotAllowed("回答ライブラリを編集できるのはAPI接続先の担当者です。")
        return self.store.stored_library(actor.org_id) or AnswerLibrary.start(actor)

    def library(self, actor: Actor, connector_org_id: str | None = None) -> AnswerLibrary | None:
        """The connector's own library, or a library shared with the actor's bank."""
        org_id = actor.org_id if actor.role is Role.CONNECTOR else connector_org_id
        library = self.store.stored_library(org_id) if isinstance(org_id, str) else None
        if library is None or not library.may_read(actor):
            if actor.role is Role.CONNECTOR:
                return None
            raise LibraryNotFound("回答ライブラリが見つかりません。")
        return library

    def shared_libraries(self, actor: Actor) -> list[AnswerLibrary]:
        """Libraries shared with the actor's bank (which ones, from the read side)."""
        stored = (self.store.stored_library(connector_id) for connector_id in self.index.shared_with(actor.org_id))
        return [library for library in stored if library]

    @retried
    def save_library_entry(self, actor: Actor, number: int, **answer: Any) -> AnswerLibrary:
        library = self._own_library(actor)
        library.save_entry(actor, number, **answer)
        return self._save(library)

    @retried
    def share_library(self, actor: Actor, bank_org_id: Any) -> AnswerLibrary:
        library = self._own_library(actor)
        bank = org_of_kind(self.accounts, bank_org_id, OrgKind.BANK, "bank_org_id")
        library.share(actor, bank.as_ref())
        return self._save(library)

    @retried
    def unshare_library(self, actor: Actor, bank_org_id: str) -> AnswerLibrary:
        library = self._own_library(actor)
        library.unshare(actor, bank_org_id)
        return self._save(library)

    @retried
    def register_certification(
        self, actor: Actor, *, data: bytes | None = None, filename: str = "", **claim: Any
    ) -> AnswerLibrary:
        """``claim``: what the certificate says (``AnswerLibrary.register_certification`` names and
        checks it); the use case adds its id and stores the file."""
        library = self._own_library(actor)
        stored: StoredBlob | None = self.blobs.put(data, filename) if data else None
        library.register_certification(
            actor, certification_id=str(uuid.uuid4()), file=stored.as_record() if stored else None, **claim
        )
        return self._save(library)

    @retried
    def withdraw_certification(self, actor: Actor, certification_id: str) -> AnswerLibrary:
        library = self._own_library(actor)
        library.withdraw_certification(actor, certification_id)
        return self._save(library)

    def certification_file(self, actor: Actor, connector_org_id: str, certification_id: str) -> tuple[bytes, dict[str, Any]]:
        """A certification's file, for the connector and the banks it shares with or reviews."""
        library = self.store.stored_library(connector_org_id)
        visible = library is not None and (
            library.may_read(actor)
            or (actor.side is Side.BANK and self.index.bank_reviews(actor.org_id, connector_org_id))
        )
        if not visible:
            raise LibraryNotFound("第三者認証が見つかりません。")
        certification = library.certification(certification_id)
        if not certification["file"]:
            raise LibraryNotFound("この第三者認証には添付ファイルがありません。")
        data = self.blobs.get(certification["file"]["sha256"])
        self.export_log.record("export", "success", actor=actor, what="certification", certification_id=certification_id)
        return data, certification["file"]

    @retried
    def save_answers_to_library(self, actor: Actor, engagement_id: Any) -> AnswerLibrary:
        """Copy the connector's own statements on its and the common items into the library."""
        engagement = self.store.visible(actor, engagement_id)
        library = self._own_library(actor)
        engagement.require(actor, "write_some")
        for item in engagement.items:
            answer = item["answers"][Side.CONNECTOR.value]
            if item["dropped"] is None and not item["custom"] and answer and item["party"] != "bank":
                library.save_entry(actor, item["number"], source=f"engagement:{engagement.id}", **answer_fields(answer))
        return self._save(library)

    @retried
    def prefill_from_library(self, actor: Actor, engagement_id: Any, *, expected_version: Any = None) -> Engagement:
        """Fill every connector/common item the connector may write and has not answered in
        this cycle from the library (one save: all or nothing)."""
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.require(actor, "write_some")
        library = self._own_library(actor)
        for item in engagement.items:
            entry = library.entry(item["number"])
            if entry is None or item["custom"] or item["dropped"] is not None or item["party"] == "bank":
                continue
            if not engagement.connector_holds_pen(item["number"]):
                continue
            own = item["answers"][Side.CONNECTOR.value]
            if own and own["cycle"] == engagement.cycle["number"]:
                continue
            engagement.save_answer(actor, item["number"], **answer_fields(entry))
        return self._save(engagement)

    @retried
    def notice_certification_expiry(self, actor: Actor, connector_org_id: str, certification_id: str, days_before: int) -> None:
        library = self.store.stored_library(connector_org_id)
        if library is None:
            raise LibraryNotFound("回答ライブラリが見つかりません。")
        library.notice_expiry(actor, certification_id, days_before)
        self._save(library)
