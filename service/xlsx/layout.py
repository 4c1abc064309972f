"""What the export writes and the import reads alike: sheet names, columns, the text rule
(docs/xlsx-format.md)."""

from __future__ import annotations

import re

from ..domain.answers import VOICE_LABELS

SHEET_TITLE = "フォーマット"
REVIEW_SHEET = "質疑・判定"
VERDICT_SHEET = "判定"

COLUMNS = (
    "通番",
    "区分",
    "セキュリティ対応目標",
    "対象者",
    "対応状況区分",
    "現在の対応状況",
    "課題認識",
    "課題への対応計画",
    "関連規定",
    "関連規定箇所",
    "備考",
)
STATUS_COLUMN = "対応状況区分"
TEXT_COLUMNS = {"現在の対応状況": "current_state", "課題認識": "issues", "課題への対応計画": "plan", "備考": "remarks"}
ANSWER_COLUMNS = (STATUS_COLUMN, *TEXT_COLUMNS)
REQUIRED_COLUMNS = ("通番", "セキュリティ対応目標", *ANSWER_COLUMNS)  # what the import needs

REPLACEMENT = "\ufffd"
NEWLINES = re.compile(r"\r\n?")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def export_text(value: str) -> str:
    """The text as the workbook holds it: CRLF/CR → LF, XML-illegal characters → U+FFFD."""
    return _ILLEGAL.sub(REPLACEMENT, NEWLINES.sub("\n", value))


_VOICE_MARK = re.compile(r"^【(" + "|".join(VOICE_LABELS.values()) + r")】[ \t]*(?:\n|$)", re.MULTILINE)


def both_voices(connector: str, bank: str) -> str:
    """A 共通 item's answer cell: each side's part under its label, the connector's first."""
    return f"【{VOICE_LABELS['connector']}】\n{connector}\n【{VOICE_LABELS['bank']}】\n{bank}"


def voice_part(text: str, side: str) -> str:
    """The part of a 共通 item's cell that ``side`` writes: the lines under its label, up to the
    next label; a cell without labels is wholly the importing side's, one with only the other
    side's label holds nothing of this side."""
    marks = list(_VOICE_MARK.finditer(text))
    if not marks:
        return text
    for mark, following in zip(marks, [*marks[1:], None]):
        if mark.group(1) == VOICE_LABELS[side]:
            if following is None:
                return text[mark.end():]
            part = text[mark.end() : following.start()]
            return part[:-1] if part.endswith("\n") else part  # the line break before the next label
    return ""
