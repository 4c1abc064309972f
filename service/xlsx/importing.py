"""Import filled answers from the フォーマット workbook, all or nothing: the header, then each row
by the domain's own rules (docs/xlsx-format.md)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from ..domain.answers import checked_answer
from ..domain.actors import Side
from ..domain.checklist import Edition, Party
from ..domain.codes import AnswerStatus
from ..domain.engagement import Engagement
from ..domain.errors import Invalid
from ..domain.text import clean_text
from .errors import XlsxImportError
from .layout import (
    ANSWER_COLUMNS,
    COLUMNS,
    NEWLINES,
    REQUIRED_COLUMNS,
    STATUS_COLUMN,
    TEXT_COLUMNS,
    export_text,
    voice_part,
)
from .reading import HEADER_SCAN_ROWS, MAX_ROWS, Row, read_rows

__all__ = ["AnswerChange", "import_answers"]



@dataclass(frozen=True)
class AnswerChange:
    """An answer in the file that differs from the engagement's (``status`` as its code)."""

    number: int
    status: str
    current_state: str
    issues: str
    plan: str
    remarks: str


def _header_key(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


_HEADER_KEYS = {_header_key(name): name for name in COLUMNS}


def _find_header(sheet: str, rows: list[Row], errors: list[dict[str, str]]) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, int, dict[int, tuple[Any, str]]] | None = None
    for number, content in rows:
        if number > HEADER_SCAN_ROWS:
            break
        names = {_HEADER_KEYS.get(_header_key(value)) for value, dtype in content.values() if dtype != "f"}
        score = len(names - {None})
        if score and (best is None or score > best[0]):
            best = (score, number, content)
    if best is None:
        errors.append(
            {
                "sheet": sheet,
                "cell": "",
                "message": f"見出し行が見つかりません（最初の{HEADER_SCAN_ROWS}行に「通番」「対応状況区分」などの列名が必要です）。",
            }
        )
        return None
    _, header_row, content = best
    columns: dict[str, int] = {}
    for column in sorted(content):
        value, dtype = content[column]
        name = _HEADER_KEYS.get(_header_key(value)) if dtype != "f" else None
        if name is None:
            continue
        if name in columns:
            errors.append(
                {
                    "sheet": sheet,
                    "cell": f"{get_column_letter(column)}{header_row}",
                    "message": f"列「{name}」が2つあります（{get_column_letter(columns[name])}列と重複）。",
                }
            )
            continue
        columns[name] = column
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            errors.append(
                {"sheet": sheet, "cell": "", "message": f"列「{name}」が見つかりません（{header_row}行目の見出し行）。"}
            )
    return header_row, columns


_COLUMN_OF = {field: name for name, field in TEXT_COLUMNS.items()} | {"status": STATUS_COLUMN}


def _cell_text(value: Any) -> str:
    """A cell as text with line breaks as LF; anything else it holds is for the rules to judge."""
    if value is None:
        return ""
    return NEWLINES.sub("\n", value if isinstance(value, str) else str(value))


def _parse_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if re.fullmatch(r"[0-9]{1,6}", text):
            return int(text)
    return None


_STATUS_KEYS: dict[str, str] = {}
for _status in AnswerStatus:
    _STATUS_KEYS[_header_key(_status.label)] = _status.value
    _STATUS_KEYS[_status.value] = _status.value


def _parse_status(text: str) -> str | None:
    return _STATUS_KEYS.get(_header_key(text).lower())


def import_answers(data: bytes, engagement: Engagement, edition: Edition, *, side: Side | str) -> list[AnswerChange]:
    """The answers of ``side`` in a filled フォーマット that differ from the engagement's.

    Raises ``XlsxImportError`` (``XlsxTooLarge`` over ``MAX_BYTES``) listing every problem;
    never returns a partial result. ``edition`` is accepted for symmetry with the export
    (the comparison uses the engagement's own item texts)."""
    side = Side(side)  # an unknown side is a ValueError
    sheet, rows = read_rows(data)

    errors: list[dict[str, str]] = []
    found = _find_header(sheet, rows, errors)
    if found is None or errors:
        raise XlsxImportError(errors)
    header_row, columns = found
    data_rows = [(number, content) for number, content in rows if number > header_row]
    if len(data_rows) > MAX_ROWS:
        raise XlsxImportError.single(f"データ行が多すぎます（上限 {MAX_ROWS:,} 行）。")

    items = {item["number"]: item for item in engagement.items}
    seen: dict[int, int] = {}
    changes = []
    for row, content in data_rows:
        change = _check_row(_RowContext(sheet, row, columns, errors), content, items, side, seen)
        if change is not None:
            changes.append(change)
    if errors:
        raise XlsxImportError(errors)
    return sorted(changes, key=lambda change: change.number)


@dataclass
class _RowContext:
    sheet: str
    row: int
    columns: dict[str, int]
    errors: list[dict[str, str]]

    def fail(self, name: str, message: str, code: str | None = None) -> None:
        cell = f"{get_column_letter(self.columns[name])}{self.row}"
        error = {"sheet": self.sheet, "cell": cell, "message": message}
        if code is not None:  # the domain's code for a refused value (control_characters …)
            error["code"] = code
        self.errors.append(error)


def _check_row(
    at: _RowContext,
    content: dict[int, tuple[Any, str]],
    items: dict[int, dict[str, Any]],
    side: Side,
    seen: dict[int, int],
) -> AnswerChange | None:
    """Validate one data row (problems go to ``at.errors``); the change it carries, if any.
    On a 共通 item only ``side``'s labelled part of each answer cell is read."""
    values, formulas = _row_values(at, content)
    filled = [name for name in ANSWER_COLUMNS if name in formulas or values[name].strip()]
    if "通番" in formulas:
        return None
    number = _item_number(at, content, values["通番"], filled, seen)
    if number is None:
        return None
    item = _live_item(at, number, items, filled)
    if item is None or item["party"] not in side.parties:
        return None  # the other side's row
    if item["party"] == Party.COMMON.value:
        values = {**values, **{name: voice_part(values[name], side.value) for name in ANSWER_COLUMNS}}
        filled = [name for name in ANSWER_COLUMNS if name in formulas or values[name].strip()]
    if not filled:
        return None  # a row (or a side's part) left empty never clears an answer
    return _answer_change(at, item, values, formulas, side)


def _row_values(at: _RowContext, content: dict[int, tuple[Any, str]]) -> tuple[dict[str, str], set[str]]:
    """The row's required cells as text, and the columns holding a formula (refused, read as empty)."""
    values: dict[str, str] = {}
    formulas: set[str] = set()
    for name in REQUIRED_COLUMNS:
        value, dtype = content.get(at.columns[name], (None, "n"))
        if dtype == "f":
            at.fail(name, "数式は使用できません。値（文字列）として入力してください。")
            formulas.add(name)
            value = None
        values[name] = _cell_text(value)
    return values, formulas


def _item_number(
    at: _RowContext, content: dict[int, tuple[Any, str]], text: str, filled: list[str], seen: dict[int, int]
) -> int | None:
    """The row's 通番, once per sheet; ``None`` for a row without one (an error if it has answers)."""
    if not text.strip():
        if filled:
            at.fail("通番", "通番を入力してください。")
        return None
    number = _parse_number(content[at.columns["通番"]][0])
    if number is None:
        at.fail("通番", f"通番「{export_text(text[:20])}」が正しくありません（項目の番号を数字で入力してください）。")
        return None
    if number in seen:
        at.fail("通番", f"通番 {number} の行が重複しています（{seen[number]}行目と同じ番号です）。")
        return None
    seen[number] = at.row
    return number


def _live_item(
    at: _RowContext, number: int, items: dict[int, dict[str, Any]], filled: list[str]
) -> dict[str, Any] | None:
    """The engagement's item of that number unless it is unknown or dropped (then answers are errors)."""
    item = items.get(number)
    if item is None:
        at.fail("通番", f"通番 {number} はこの案件の確認項目にありません。")
        return None
    if item["dropped"]:
        if filled:
            reason = export_text(item["dropped"]["reason"][:100])
            at.fail(
                filled[0],
                f"通番 {number} は審査対象から削除された項目です（削除理由: {reason}）。回答欄は空欄のままにしてください。",
            )
        return None
    return item


def _answer_change(
    at: _RowContext, item: dict[str, Any], values: dict[str, str], formulas: set[str], side: Side
) -> AnswerChange | None:
    """The row's answer checked by the domain's rules; a change only if it differs from the item's."""
    problems = len(at.errors)
    number = item["number"]
    if "セキュリティ対応目標" not in formulas and export_text(values["セキュリティ対応目標"]) != export_text(item["objective"]):
        at.fail(
            "セキュリティ対応目標",
            f"通番 {number} のセキュリティ対応目標が変更されています。確認項目の文言は編集せず、回答欄のみ記入してください"
            "（行の並べ替えや貼り付けのずれにもご注意ください）。",
        )
    status = None if STATUS_COLUMN in formulas else _row_status(at, values[STATUS_COLUMN])
    texts = _row_texts(at, values, formulas)
    if status is None or formulas or len(at.errors) > problems:
        return None
    try:
        new = checked_answer(status, **texts)  # and the rules across an answer's fields
    except Invalid as error:
        at.fail(_COLUMN_OF.get(error.context.get("field"), STATUS_COLUMN), error.detail, error.code)
        return None
    del new["status"]
    current = item["answers"][side.value]
    if current is not None and current["status"] == status and all(
        export_text(current[field]) == text for field, text in new.items()
    ):
        return None  # compared as the workbook holds the text (see export_text)
    return AnswerChange(number=number, status=status, **new)


def _row_status(at: _RowContext, text: str) -> str | None:
    """The 対応状況区分 as its code; required on a row with answers."""
    if not text.strip():
        at.fail(STATUS_COLUMN, "対応状況区分を入力してください。")
        return None
    status = _parse_status(text)
    if status is None:
        at.fail(
            STATUS_COLUMN,
            f"対応状況区分「{export_text(text[:30])}」は使用できません"
            "（対応済／一部対応／未対応（計画あり）／未対応／対象外のいずれか）。",
        )
    return status


def _row_texts(at: _RowContext, values: dict[str, str], formulas: set[str]) -> dict[str, str]:
    """The answer's texts by field, each passed through the domain's rule for typed text."""
    texts = {}
    for name, field in TEXT_COLUMNS.items():
        if name not in formulas:
            try:  # control characters, length, required
                texts[field] = clean_text(values[name], field, required=field == "current_state")
            except Invalid as error:
                at.fail(name, error.detail, error.code)
    return texts
