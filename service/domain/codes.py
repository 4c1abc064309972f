"""The contract's codes (shared/contract.md) with their Japanese labels."""

from __future__ import annotations

from enum import Enum


class LabelledCode(str, Enum):
    """A string code that also knows its Japanese label."""

    @property
    def label(self) -> str:
        return LABELS[type(self)][self.value]

    @classmethod
    def from_label(cls, label: str) -> "LabelledCode":
        for code, text in LABELS[cls].items():
            if text == label:
                return cls(code)
        raise ValueError(label)


class Role(LabelledCode):
    REVIEWER = "reviewer"
    CONNECTOR = "connector"
    AUDITOR = "auditor"
    LIAISON = "liaison"
    ADMIN = "admin"
    SYSTEM = "system"  # the scheduler; never assigned to a user

    @classmethod
    def assignable(cls) -> tuple["Role", ...]:
        return tuple(role for role in cls if role is not cls.SYSTEM)


class OrgKind(LabelledCode):
    BANK = "bank"
    CONNECTOR = "connector"
    FISC = "fisc"
    OPERATOR = "operator"  # the organisation running the service: its admins manage every organisation


class AnswerStatus(LabelledCode):
    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    PLANNED = "planned"
    NOT_IMPLEMENTED = "not_implemented"
    NOT_APPLICABLE = "not_applicable"


class Verdict(LabelledCode):
    SATISFIED = "satisfied"
    COMPENSATED = "compensated"
    UNSATISFIED = "unsatisfied"
    NOT_APPLICABLE = "not_applicable"


class Outcome(LabelledCode):
    APPROVED = "approved"
    CONDITIONAL = "conditional"
    REJECTED = "rejected"


class State(LabelledCode):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    DECIDED = "decided"
    MONITORING = "monitoring"
    WITHDRAWN = "withdrawn"


class CycleReason(LabelledCode):
    INITIAL = "initial"
    ANNUAL = "annual"
    ITEM_CHANGED = "item_changed"
    ADVISORY = "advisory"
    CHANGE_REPORTED = "change_reported"  # the connector's change report (変更届)

    @classmethod
    def started_by_reviewer(cls) -> tuple["CycleReason", ...]:
        """The reasons a reviewer starts a cycle for (the first opens with the engagement, a
        change report's with the report)."""
        return (cls.ANNUAL, cls.ITEM_CHANGED, cls.ADVISORY)


LABELS: dict[type, dict[str, str]] = {
    Role: {
        "reviewer": "審査担当（金融機関）",
        "connector": "API接続先担当",
        "auditor": "監査担当（閲覧のみ）",
        "liaison": "FISC連絡窓口",
        "admin": "管理者",
        "system": "システム",
    },
    OrgKind: {"bank": "金融機関", "connector": "API接続先", "fisc": "FISC", "operator": "運営者"},
    AnswerStatus: {
        "implemented": "対応済",
        "partial": "一部対応",
        "planned": "未対応（計画あり）",
        "not_implemented": "未対応",
        "not_applicable": "対象外",
    },
    Verdict: {
        "satisfied": "充足",
        "compensated": "代替策により可",
        "unsatisfied": "未充足",
        "not_applicable": "対象外",
    },
    Outcome: {"approved": "承認", "conditional": "条件付承認", "rejected": "否認"},
    State: {
        "draft": "回答作成中",
        "submitted": "提出済",
        "under_review": "審査中",
        "decided": "判定済",
        "monitoring": "モニタリング中",
        "withdrawn": "取下げ",
    },
    CycleReason: {
        "initial": "初回審査",
        "annual": "年次モニタリング",
        "item_changed": "確認項目の変更",
        "advisory": "注意喚起",
        "change_reported": "変更届",
    },
}
