"""A connector's answer library: one master answer per checklist item, filled once and
presented to many banks (seed §3: 多対多, 予め記載して提示), with the third-party
certifications (第三者認証) that stand in for evidence. Shared read-only with the banks
the connector chooses, before any engagement exists. Questions and answers of an
engagement never enter the library, so no bank sees another bank's conversation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from .actors import Actor, Side
from .codes import Role
from .answers import checked_answer
from .text import clean_text, one_line, parse_date
from .errors import Invalid, NotFound, RoleNotAllowed

LIBRARY_NAMESPACE = uuid.UUID("0b7d2f5e-7c1a-4c52-9b1e-0b8e9b6e9f11")
CERTIFICATION_KINDS = {
    "isms": "ISMS（ISO/IEC 27001・JIS Q 27001）",
    "iso27017": "ISO/IEC 27017（ISMSクラウドセキュリティ認証）",
    "iso27018": "ISO/IEC 27018",
    "pmark": "プライバシーマーク",
    "soc1": "SOC1 Type2",
    "soc2": "SOC2 Type2",
    "csmark": "CSマーク",
    "pcidss": "PCI DSS",
    "itsms": "ITSMS（ISO/IEC 20000-1・JIS Q 20000-1）",
    "security_audit": "情報セキュリティ監査報告書",
    "it7": "IT委員会実務指針第7号（内部統制保証報告書）",
    "other": "その他",
}  # the third-party assurances the 解説書 names (its 注３), and any other
EXPIRY_NOTICE_DAYS = (60, 30, 0)


class CertificationNotFound(NotFound):
    code = "certification_not_found"


def usable_on(certification: dict[str, Any], day: str) -> bool:
    """A certification stands in for evidence on ``day`` (ISO date) while in force and not withdrawn."""
    return not certification["withdrawn"] and certification["valid_from"] <= day <= certification["valid_until"]


def library_id(connector_org_id: str) -> uuid.UUID:
    """Each connector organisation has exactly one library, found without a lookup table."""
    return uuid.uuid5(LIBRARY_NAMESPACE, connector_org_id)


class AnswerLibrary(Aggregate):
    @staticmethod
    def create_id(connector_org_id: str) -> uuid.UUID:  # eventsourcing asks the class for the new id
        return library_id(connector_org_id)

    @classmethod
    def start(cls, actor: Actor) -> "AnswerLibrary":
        cls._require_connector(actor)
        return cls(connector_org_id=actor.org_id, connector_name=actor.org_name, actor=actor.as_record())

    @event("Started")
    def __init__(self, connector_org_id: str, connector_name: str, actor: dict[str, str]) -> None:
        self.connector = {"id": connector_org_id, "name": connector_name}
        self.entries: dict[str, dict[str, Any]] = {}  # str(number) -> answer
        self.shared_with: list[dict[str, str]] = []
        self.certifications: list[dict[str, Any]] = []
        self.expiry_notices: list[str] = []

    # ------------------------------------------------------------------ guards

    @staticmethod
    def _require_connector(actor: Actor) -> None:
        if actor.role is not Role.CONNECTOR:
            raise RoleNotAllowed("回答ライブラリを編集できるのはAPI接続先の担当者です。")

    @classmethod
    def editable_by(cls, actor: Actor) -> bool:
        """Whether ``actor`` keeps a library (their organisation's): the guard every library
        command runs, asked without acting, for pages that offer to fill or save one."""
        try:
            cls._require_connector(actor)
        except RoleNotAllowed:
            return False
        return True

    def _require_own(self, actor: Actor) -> None:
        self._require_connector(actor)
        if actor.org_id != self.connector["id"]:
            raise RoleNotAllowed("他社の回答ライブラリは編集できません。")

    def may_read(self, actor: Actor) -> bool:
        if actor.side is Side.CONNECTOR:
            return actor.org_id == self.connector["id"]
        if actor.side is Side.BANK:
            return any(bank["id"] == actor.org_id for bank in self.shared_with)
        return actor.role is Role.SYSTEM

    def entry(self, number: int) -> dict[str, Any] | None:
        return self.entries.get(str(number))

    def certification(self, certification_id: str) -> dict[str, Any]:
        for certification in self.certifications:
            if certification["id"] == certification_id:
                return certification
        raise CertificationNotFound("指定された第三者認証はありません。", certification_id=certification_id)

    # ------------------------------------------------------------------ answers

    def save_entry(self, actor: Actor, number: int, *, status: Any, current_state: Any, issues: Any = "", plan: Any = "", remarks: Any = "", source: str | None = None) -> None:
        self._require_own(actor)
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise Invalid("通番は1以上の整数で指定してください。", field="number")
        entry = checked_answer(status, current_state, issues, plan, remarks)
        current = self.entry(number)
        if current and all(current[key] == value for key, value in entry.items()):
            return  # unchanged: no new version
        self._entry_saved(actor=actor.as_record(), number=number, source=source, **entry)

    @event("EntrySaved")
    def _entry_saved(
        self,
        actor: dict[str, str],
        number: int,
        status: str,
        current_state: str,
        issues: str,
        plan: str,
        remarks: str,
        source: str | None,
        timestamp: datetime | None = None,
    ) -> None:
        previous = self.entries.get(str(number)) or {}
        self.entries[str(number)] = {
            "status": status,
            "current_state": current_state,
            "issues": issues,
            "plan": plan,
            "remarks": remarks,
            "by": {"id": actor["id"], "name": actor["name"], "org": actor["org_name"]},
            "at": timestamp.isoformat() if timestamp else None,
            "source": source,
            "version": previous.get("version", 0) + 1,  # this entry's own saves, not the library's
        }

    # ------------------------------------------------------------------ sharing

    def share(self, actor: Actor, bank: dict[str, str]) -> None:
        self._require_own(actor)
        if any(entry["id"] == bank["id"] for entry in self.shared_with):
            return
        self._shared(actor=actor.as_record(), bank=dict(bank))

    @event("Shared")
    def _shared(self, actor: dict[str, str], bank: dict[str, str]) -> None:
        self.shared_with.append(dict(bank))

    def unshare(self, actor: Actor, bank_id: str) -> None:
        self._require_own(actor)
        if not any(entry["id"] == bank_id for entry in self.shared_with):
            raise NotFound("この金融機関には回答ライブラリを共有していません。")
        self._unshared(actor=actor.as_record(), bank_id=bank_id)

    @event("Unshared")
    def _unshared(self, actor: dict[str, str], bank_id: str) -> None:
        self.shared_with = [bank for bank in self.shared_with if bank["id"] != bank_id]

    # ------------------------------------------------------------------ certifications

    def register_certification(
        self,
        actor: Actor,
        *,
        certification_id: str,
        kind: Any,
        scope: Any,
        issuer: Any,
        valid_from: Any,
        valid_until: Any,
        items: Any,
        file: dict[str, Any] | None,
    ) -> None:
        self._require_own(actor)
        if kind not in CERTIFICATION_KINDS:
            raise Invalid(f"種類は {'、'.join(CERTIFICATION_KINDS)} のいずれかです。", field="kind")
        valid_from = parse_date(valid_from, "valid_from")
        valid_until = parse_date(valid_until, "valid_until")
        if valid_until < valid_from:
            raise Invalid("有効期間の終了日は開始日以降の日付を入力してください。", field="valid_until")
        numbers = items or []
        if not isinstance(numbers, list) or any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in numbers):
            raise Invalid("対象の確認項目は通番の一覧で指定してください。", field="items")
        self._certification_registered(
            actor=actor.as_record(),
            certification={
                "id": certification_id,
                "kind": kind,
                "scope": clean_text(scope, "scope", required=True, limit=2_000),
                "issuer": one_line(issuer, "issuer", required=True, limit=200),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
                "items": sorted(set(numbers)),
                "file": dict(file) if file else None,
            },
        )

    @event("CertificationRegistered")
    def _certification_registered(self, actor: dict[str, str], certification: dict[str, Any], timestamp: datetime | None = None) -> None:
        self.certifications.append(
            {**certification, "items": list(certification["items"]), "registered_at": timestamp.isoformat() if timestamp else None, "withdrawn": False}
        )

    def withdraw_certification(self, actor: Actor, certification_id: str) -> None:
        self._require_own(actor)
        self.certification(certification_id)
        self._certification_withdrawn(actor=actor.as_record(), certification_id=certification_id)

    @event("CertificationWithdrawn")
    def _certification_withdrawn(self, actor: dict[str, str], certification_id: str) -> None:
        self.certification(certification_id)["withdrawn"] = True

    def notice_expiry(self, actor: Actor, certification_id: str, days_before: int) -> None:
        """The scheduler tells the connector a certification expires soon (60/30/0 days)."""
        if actor.role is not Role.SYSTEM:
            raise RoleNotAllowed("有効期限の通知はスケジューラーが行います。")
        key = f"{certification_id}:{days_before}"
        if key in self.expiry_notices:
            return
        certification = self.certification(certification_id)
        self._expiry_noticed(
            actor=actor.as_record(),
            certification_id=certification_id,
            days_before=days_before,
            connector_org_id=self.connector["id"],
            label=CERTIFICATION_KINDS[certification["kind"]],
            valid_until=certification["valid_until"],
        )

    @event("ExpiryNoticed")
    def _expiry_noticed(
        self, actor: dict[str, str], certification_id: str, days_before: int, connector_org_id: str, label: str, valid_until: str
    ) -> None:
        self.expiry_notices.append(f"{certification_id}:{days_before}")
