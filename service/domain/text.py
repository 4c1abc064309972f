"""Text typed by people: what may be stored, and how it is compared.

Every field a person fills is either one line (names, titles, e-mail addresses, codes) or
free text (answers, comments, questions). Neither may hold control characters: they break
mail headers, spreadsheets and log lines, and PostgreSQL cannot store a NUL at all. Free
text keeps tab and line breaks (CRLF and lone CR, as browsers and Excel send them, become
LF). Comparisons (searches, e-mail addresses, codes) see text after NFKC, so the full-width
「ＡＰＩ」 a Japanese keyboard types matches ``API``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone, tzinfo
from enum import Enum
from typing import Any

from .errors import ControlCharacters, DateNotAhead, Invalid

MAX_TEXT = 20_000

FIELD_LABELS = {
    "title": "件名",
    "body": "本文",
    "text": "内容",
    "comment": "コメント",
    "reason": "理由",
    "note": "メモ",
    "status": "対応状況区分",
    "current_state": "現在の対応状況",
    "issues": "課題認識",
    "plan": "課題への対応計画",
    "remarks": "備考",
    "verdict": "判定",
    "outcome": "審査結果",
    "objective": "セキュリティ対応目標",
    "party": "対象者",
    "category": "区分",
    "items": "対象の確認項目",
    "number": "通番",
    "due_on": "期限",
    "respond_by": "回答期限",
    "next_review_on": "次回モニタリング日",
    "severity": "重要度",
    "scope": "認証範囲",
    "issuer": "認証機関",
    "kind": "種類",
    "valid_from": "有効期間の開始日",
    "valid_until": "有効期間の終了日",
    "conditions": "条件",
    "dropped_items": "削除する項目",
    "custom_items": "独自項目",
    "cycle": "審査サイクル",
    "to": "通知先",
    "name": "名前",
    "email": "メールアドレス",
    "as_of": "表示する時点",
    "expected_version": "版数",
    "certification_id": "第三者認証",
    "bank_id": "金融機関",
    "connector_id": "API接続先",
    "limit": "件数",
}

_INDEXED = re.compile(r"^(\w+)\[(\d+)\]$")


def label_for(field: str) -> str:
    """The Japanese name of a field as a person saw it: ``conditions[0].due_on`` → 「条件1の期限」."""
    parts = []
    for part in field.split("."):
        indexed = _INDEXED.match(part)
        if indexed:
            name, index = indexed.groups()
            parts.append(f"{FIELD_LABELS.get(name, name)}{int(index) + 1}")
        else:
            parts.append(FIELD_LABELS.get(part, part))
    return "の".join(parts)

_NEWLINES = re.compile(r"\r\n?")


def _refused(ch: str, keep: str) -> bool:
    """Control characters (C0, DEL, C1), lone surrogates and the noncharacters U+FFFE/U+FFFF."""
    if ch in keep:
        return False
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff"


def clean_text(
    value: Any,
    field: str,
    label: str | None = None,
    *,
    required: bool = False,
    limit: int = MAX_TEXT,
    multiline: bool = True,
) -> str:
    """A validated text field: a string within ``limit`` characters, present when ``required``,
    without control characters (free text keeps tab and LF). ``label`` is the field's Japanese
    name for the message (by default looked up from ``field``)."""
    label = label or label_for(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{label}は文字列で入力してください。", field=field)
    if multiline:
        value = _NEWLINES.sub("\n", value)
    keep = "\t\n" if multiline else ""
    bad = next((ch for ch in value if _refused(ch, keep)), None)
    if bad is not None:
        what = "改行や制御文字" if not multiline else "制御文字"
        raise ControlCharacters(
            f"{label}に使用できない{what}（U+{ord(bad):04X}）が含まれています。", field=field, character=f"U+{ord(bad):04X}"
        )
    if len(value) > limit:
        raise Invalid(f"{label}は{limit:,}文字以内で入力してください（現在 {len(value):,}文字）。", field=field)
    if required and not value.strip():
        raise Invalid(f"{label}を入力してください。", field=field)
    return value


def one_line(value: Any, field: str, label: str | None = None, *, required: bool = False, limit: int) -> str:
    """A one-line field (name, title, code): no line breaks nor any other control character."""
    return clean_text(value, field, label, required=required, limit=limit, multiline=False)


def fold(text: str) -> str:
    """The form in which typed text is compared: NFKC, case-folded (searches, e-mail, codes)."""
    return unicodedata.normalize("NFKC", text).casefold()


def parse_code(enum: type[Enum], value: Any, field: str) -> Any:
    """One of an enumeration's values (compared after NFKC), or a message listing the accepted ones."""
    try:
        return enum(unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value)
    except ValueError:
        accepted = "、".join(str(member.value) for member in enum)
        raise Invalid(f"{label_for(field)}の値が正しくありません（指定できる値: {accepted}）。", field=field) from None


def parse_date(value: Any, field: str, *, after: date | None = None) -> date:
    """A calendar date (``YYYY-MM-DD`` or a ``date``); with ``after``, one strictly later than it
    (the dates a reviewer sets ahead: due dates, 回答期限, monitoring dates)."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        day = None
    if not isinstance(day, date) or isinstance(day, datetime):
        raise Invalid(f"{label_for(field)}は日付（例: 2026-04-01）で入力してください。", field=field)
    if after is not None and day <= after:
        raise DateNotAhead(
            f"{label_for(field)}には{after.isoformat()}より後の日付を入力してください。", field=field, after=after.isoformat()
        )
    return day


def parse_instant(value: Any, field: str, zone: tzinfo) -> datetime:
    """An ISO 8601 instant (``Z``, ``+09:00``, full-width digits too) as UTC; one typed without
    an offset is read in ``zone``, the deployment's time zone."""
    if isinstance(value, datetime):
        instant = value
    else:
        try:
            instant = datetime.fromisoformat(unicodedata.normalize("NFKC", str(value)).strip())
        except ValueError:
            raise Invalid(
                f"{label_for(field)}の形式が正しくありません（例: 2026-04-01T09:00 または 2026-04-01T09:00:00+09:00）。",
                field=field,
            ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone)
    return instant.astimezone(timezone.utc)
