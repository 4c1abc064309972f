"""Export an engagement as the フォーマット workbook (layout and reasons: docs/xlsx-format.md)."""

from __future__ import annotations

from datetime import datetime, timezone
from io import BytesIO
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..domain.checklist import Edition, Party
from ..domain.codes import AnswerStatus, Outcome, Verdict
from ..domain.engagement import Engagement
from .layout import (
    ANSWER_COLUMNS,
    COLUMNS,
    REVIEW_SHEET,
    SHEET_TITLE,
    STATUS_COLUMN,
    TEXT_COLUMNS,
    VERDICT_SHEET,
    both_voices,
    export_text,
)
from .printing import FULL_TEXT_COLUMNS, FULL_TEXT_SHEET, WIDTHS, PrintLayout

__all__ = ["export_engagement"]

REVIEW_COLUMNS = ("通番", "質問ID", "投稿者", "組織", "日時（JST）", "内容", "状態")
VERDICT_COLUMNS = (
    "通番",
    "区分",
    "セキュリティ対応目標",
    "対象者",
    "対応状況区分",
    "判定",
    "判定コメント",
    "判定者",
    "判定日時（JST）",
)

JST = ZoneInfo("Asia/Tokyo")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name="游ゴシック", size=10)
_HEADER_FONT = Font(name="游ゴシック", size=10, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_CATALOGUE_FILL = PatternFill("solid", fgColor="F2F2F2")
_ANSWER_FILL = PatternFill("solid", fgColor="FFF9E5")
_DROPPED_FILL = PatternFill("solid", fgColor="D9D9D9")
_DROPPED_FONT = Font(name="游ゴシック", size=10, color="7F7F7F")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
_UNLOCKED = Protection(locked=False)


def _jst(at: str | None) -> str:
    if not at:
        return ""
    try:
        instant = datetime.fromisoformat(at)
    except ValueError:
        return at
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def _put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell; text is always a string cell (never a formula), per ``export_text``."""
    cell = ws.cell(row=row, column=column)
    if value is None or value == "":
        return cell
    if isinstance(value, str):
        text = export_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl made "=…" a formula and "#N/A" an error: keep it text
        if text.startswith(_FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def _header(ws: Any, columns: Iterable[str]) -> None:
    for column, name in enumerate(columns, start=1):
        cell = _put(ws, 1, column, name)
        cell.font, cell.fill, cell.alignment, cell.border = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN, _BORDER
        ws.column_dimensions[get_column_letter(column)].width = WIDTHS.get(name, 16)
    ws.row_dimensions[1].height = 30


def _protect(ws: Any, last_row: int, last_column: int, layout: PrintLayout) -> None:
    ws.protection.sheet = True  # no password: against accidental edits only
    ws.protection.formatColumns = False  # widths and heights may still be adjusted
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.auto_filter.ref = f"A1:{get_column_letter(last_column)}{max(last_row, 2)}"
    layout.set_up(ws)


def _references(edition: Edition, item: dict[str, Any]) -> tuple[str, str]:
    """関連規定 and 関連規定箇所: a custom item's own, a catalogue item's from the edition."""
    if item["custom"]:
        references = [(r["source"], r["location"]) for r in item.get("references", [])]
    else:
        try:
            references = [(r.source, r.location) for r in edition.item(item["number"]).references]
        except KeyError:
            return "", ""
    return "\n".join(source for source, _ in references), "\n".join(location for _, location in references)


def _status_label(answer: dict[str, Any]) -> str:
    return AnswerStatus(answer["status"]).label


def _both(item: dict[str, Any], part: Any) -> str:
    """A 共通 item's cell: each side's statement under its label (empty where it has not written)."""
    connector, bank = (item["answers"][side] for side in ("connector", "bank"))
    return both_voices(part(connector) if connector else "", part(bank) if bank else "")


def _row_texts(item: dict[str, Any], edition: Edition) -> dict[str, str]:
    """An item's row of the フォーマット by column (but 通番): the catalogue's cells and the answer's;
    a dropped item's answer cells empty, a 共通 item's holding both sides' parts."""
    answer = item["answer"] or {}
    common = item["party"] == Party.COMMON.value
    dropped = item["dropped"]
    sources, locations = _references(edition, item)
    objective = f"【削除: {dropped['reason']}】\n{item['objective']}" if dropped else item["objective"]
    status = AnswerStatus(answer["status"]).label if answer else ""
    texts = {
        "区分": item["category"],
        "セキュリティ対応目標": objective,
        "対象者": Party(item["party"]).label,
        "対応状況区分": "" if dropped else (_both(item, _status_label) if common else status),
        "関連規定": sources,
        "関連規定箇所": locations,
    }
    for name, field in TEXT_COLUMNS.items():
        if dropped:
            texts[name] = ""
        elif common:
            texts[name] = _both(item, lambda answer, field=field: answer[field])
        else:
            texts[name] = answer.get(field, "")
    return texts


def _format_sheet(ws: Any, engagement: Engagement, edition: Edition, layout: PrintLayout) -> None:
    ws.title = SHEET_TITLE
    _header(ws, COLUMNS)
    index = {name: i for i, name in enumerate(COLUMNS, start=1)}
    row = 1
    for item in engagement.items:
        row += 1
        dropped = item["dropped"]
        texts = _row_texts(item, edition)
        number = cell = _put(ws, row, index["通番"], item["number"])
        cell.alignment, cell.border = Alignment(vertical="top", horizontal="center"), _BORDER
        cell.font, cell.fill = (_DROPPED_FONT, _DROPPED_FILL) if dropped else (_FONT, _CATALOGUE_FILL)
        for name, text in texts.items():
            cell = _put(ws, row, index[name], text)
            cell.alignment, cell.border = _WRAP, _BORDER
            if dropped:
                cell.font, cell.fill = _DROPPED_FONT, _DROPPED_FILL
            elif name in ANSWER_COLUMNS:
                cell.font, cell.fill, cell.protection = _FONT, _ANSWER_FILL, _UNLOCKED
            else:
                cell.font, cell.fill = _FONT, _CATALOGUE_FILL
        layout.fit_row(ws, row, {k: export_text(v) for k, v in texts.items()}, number)

    status_letter = get_column_letter(index[STATUS_COLUMN])
    labels = ",".join(status.label for status in AnswerStatus)
    validation = DataValidation(
        type="list",
        formula1=f'"{labels}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="対応状況区分",
        error="一覧から選んでください（対応済／一部対応／未対応（計画あり）／未対応／対象外）",
        showInputMessage=True,
        promptTitle="対応状況区分",
        prompt="一覧から選んでください",
    )
    ws.add_data_validation(validation)
    active_rows = [  # a 共通 item's cell holds both sides' labelled parts: no list to pick from
        r for r, item in enumerate(engagement.items, start=2) if not item["dropped"] and item["party"] != Party.COMMON.value
    ]
    for first, last in _runs(active_rows):
        validation.add(f"{status_letter}{first}:{status_letter}{last}")
    ws.freeze_panes = "B2"
    _protect(ws, row, len(COLUMNS), layout)


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of ascending numbers: [2, 3, 5, 6, 7] → [(2, 3), (5, 7)]."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def _table_sheet(wb: Workbook, title: str, columns: tuple[str, ...], rows: list[list[Any]], layout: PrintLayout) -> Any:
    ws = wb.create_sheet(title)
    _header(ws, columns)
    for r, values in enumerate(rows, start=2):
        texts = {}
        for c, value in enumerate(values, start=1):
            cell = _put(ws, r, c, value)
            cell.font, cell.alignment, cell.border = _FONT, _WRAP, _BORDER
            if isinstance(value, str):
                texts[columns[c - 1] if c <= len(columns) else ""] = export_text(value)
        layout.fit_row(ws, r, texts, ws.cell(row=r, column=1))
    ws.freeze_panes = "B2"
    _protect(ws, len(rows) + 1, len(columns), layout)
    return ws


def _review_sheets(wb: Workbook, engagement: Engagement, layout: PrintLayout) -> None:
    posts = []
    for question in sorted(engagement.questions, key=lambda q: (q["item"], q["posts"][0]["at"] or "")):
        state = "未解決" if question["open"] else "解決済"
        for post in question["posts"]:
            by = post["by"]
            posts.append(
                [question["item"], question["id"], by["name"], by["org"], _jst(post["at"]), post["text"], state]
            )
    _table_sheet(wb, REVIEW_SHEET, REVIEW_COLUMNS, posts, layout)

    verdicts = []
    for item in engagement.items:
        answer, judgement, dropped = item["answer"], item["judgement"], item["dropped"]
        if dropped:
            verdict = f"削除: {dropped['reason']}"
        else:
            verdict = Verdict(judgement["verdict"]).label if judgement else "未判定"
        verdicts.append(
            [
                item["number"],
                item["category"],
                item["objective"],
                Party(item["party"]).label,
                AnswerStatus(answer["status"]).label if answer and not dropped else "",
                verdict,
                judgement["comment"] if judgement else "",
                judgement["by"]["name"] if judgement else "",
                _jst(judgement["at"]) if judgement else "",
            ]
        )
    ws = _table_sheet(wb, VERDICT_SHEET, VERDICT_COLUMNS, verdicts, layout)
    decision = engagement.decision
    if decision:
        row = len(verdicts) + 3
        entries = [
            ("総合判断", Outcome(decision["outcome"]).label),
            ("判断理由", decision["comment"]),
            ("判断日", decision["decided_on"]),
            ("判断者", decision["by"]["name"]),
        ]
        for i, condition in enumerate(engagement.decision_conditions(decision), start=1):
            done = "（充足）" if condition["fulfilled"] else ""
            entries.append((f"条件{i}", f"{condition['text']}（期限 {condition['due_on']}）{done}"))
        for offset, (label, text) in enumerate(entries):
            head = _put(ws, row + offset, 2, label)
            head.font, head.alignment = Font(name="游ゴシック", size=10, bold=True), _WRAP
            body = _put(ws, row + offset, 3, text)
            body.font, body.alignment = _FONT, _WRAP
            layout.fit_row(ws, row + offset, {VERDICT_COLUMNS[2]: export_text(text)}, head, label)


def export_engagement(engagement: Engagement, edition: Edition, *, include_review: bool) -> bytes:
    """The engagement as an .xlsx (the layout: docs/xlsx-format.md)."""
    if edition.id != engagement.edition:
        raise ValueError(f"edition {edition.id} is not the engagement's edition {engagement.edition}")
    wb = Workbook()
    layout = PrintLayout(export_text(f"{engagement.title}（{engagement.connector['name']}）"))
    _format_sheet(wb.active, engagement, edition, layout)
    if include_review:
        _review_sheets(wb, engagement, layout)
    if layout.overflow:  # what a row could not print, in pieces that can
        _table_sheet(wb, FULL_TEXT_SHEET, FULL_TEXT_COLUMNS, layout.full_text_rows(), layout)
        layout.explain_marks(wb)
    wb.active = 0
    wb.properties.title = export_text(engagement.title)
    wb.properties.subject = export_text(f"API接続チェックリスト（{edition.id}）")
    wb.properties.creator = "FISC API接続チェックリスト審査サービス"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

