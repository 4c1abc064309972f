"""The FISC フォーマット as an Excel workbook: export an engagement, import filled answers.

A pure adapter (openpyxl only; no Flask, no SQLAlchemy): it reads the ``Engagement``
aggregate and an ``Edition`` and produces bytes, or reads bytes and returns the answers
that differ from the engagement's. Saving them (and every rule about who may write
when) stays with the application and the aggregate.

Export (``export_engagement``)
    Sheet ``フォーマット``: a header row with ``COLUMNS`` (the contract's order), one row
    per engagement item (custom items included, 関連規定 empty). 対象者 and 対応状況区分
    hold their Japanese labels. Header styled and frozen (panes at B2: below the header
    and right of 通番), text wrapped, column widths and row heights set, an auto filter,
    a drop-down list of the five status labels on 対応状況区分, and **sheet protection
    without a password** (it prevents accidental edits only; 校閲 → シート保護の解除
    removes it): the catalogue columns are locked, the answer columns (対応状況区分,
    現在の対応状況, 課題認識, 課題への対応計画, 備考) unlocked and tinted.

    Dropped items (削除) are listed in grey with their answer cells empty and locked; their
    セキュリティ対応目標 cell starts with ``【削除: <理由>】`` on its own line. The import
    ignores such rows unless someone filled an answer cell in them (an error).

    With ``include_review`` (reviewers, auditors) two more protected sheets follow:
    ``質疑・判定`` with one row per question post (通番, 質問ID, 投稿者, 組織, 日時（JST）,
    内容, 状態) and ``判定`` with one row per item (verdict label, comment, who, when) and,
    when decided, the 総合判断 below the table.

    Printing (``service.xlsx_print``): every sheet landscape A4 fitted to the width, header
    row repeated, the engagement and the connector in the page header, 「&P / &N」 in the
    footer. A cell too long for Excel's 409 pt row keeps its whole text (the import reads
    it back exactly); its row is marked ※ and the text printed in pieces on a last sheet
    ``全文（印刷用）``, which exists only when some text overflows.

    Text is always written as an inline string (``t="inlineStr"``), never as a formula or
    an error value: openpyxl would turn ``"=…"`` into an ``<f>`` element, so the type is
    forced back to ``"s"`` after assignment; text starting with = + - @ tab or a line break
    also gets Excel's quotePrefix so that even re-editing the cell keeps it text.

    Characters XML 1.0 cannot hold (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, lone
    surrogates, U+FFFE, U+FFFF) are replaced by U+FFFD (``REPLACEMENT``); line breaks are
    written as ``\\n`` (CRLF and lone CR become LF). ``export_text`` is that rule.

Import (``import_answers``)
    All or nothing: every problem of the file is collected and raised at once as
    ``XlsxImportError(errors)`` with ``{"sheet", "cell", "message"}`` entries (Japanese).
    Before openpyxl parses anything the package is checked: size (``MAX_BYTES``, raised
    as ``XlsxTooLarge`` so the API can answer 413), then ``service.ooxml.check_package``
    (the rule evidence files share: ``[Content_Types].xml`` and ``xl/workbook.xml``, no
    macros, no zip bomb measured by the bytes really inflated, no climbing member names, no
    ``<!DOCTYPE``/``<!ENTITY``); openpyxl also parses through defusedxml. A whole-file
    refusal carries a machine ``code`` next to its message (``macro``, ``sheet_too_large`` …).
    The workbook is then read with ``read_only=True, data_only=False``: the sheet
    ``フォーマット`` (else the first sheet), refused before openpyxl reads its rows when its
    declared dimension, a row number or a filled cell lies past ``MAX_SCANNED_ROWS`` rows or
    ``MAX_COLUMNS`` columns, or it holds over ``MAX_CELLS`` cells (openpyxl makes up every
    missing row up to the last one); the header row is
    the row of the first ``HEADER_SCAN_ROWS`` matching the most column names (spaces
    ignored), columns in any order, extra columns ignored, the ``REQUIRED_COLUMNS`` (通番,
    セキュリティ対応目標 and the five answer columns) each reported when missing; at most
    ``MAX_ROWS`` non-empty data rows.

    Per row: 通番 must be a number of the engagement (unknown, non-numeric and duplicate
    numbers are errors); a dropped item's row must keep its answer cells empty; for the
    side's rows with an answer, セキュリティ対応目標 must equal the engagement's text (line
    endings normalised), and the answer must pass the domain's own rules
    (``clean_text``, ``checked_answer``): no control characters but tab and LF (CR and CRLF
    become LF; code ``control_characters``), at most 20,000 characters, 現在の対応状況
    required, a plan for 未対応 — each refusal naming its cell, with the domain's code.

    Only rows whose item the ``side`` answers are considered (connector: connector and
    common items; bank: bank and common items — the item's 対象者 in the engagement, not
    the sheet's). A row whose answer cells are all empty (or blank) is skipped: an empty
    row never clears an answer. For other rows 対応状況区分 is required;
    the status may be the Japanese label (half-width parentheses accepted) or the code.
    Formula cells are refused ("数式は使用できません"); formula-looking text is plain text.
    Numbers and dates in text cells are converted with ``str()``. The engagement's texts
    are compared after ``export_text``, so an exported file imported unchanged yields no
    change, even for answers recorded before the control-character rule (the export wrote
    U+FFFD for them); changed answers come back with ``\\n`` line breaks.
    Excel's ``_xHHHH_`` escapes in shared strings are taken as openpyxl returns them (it
    undoes only ``_x005F_``): a carriage return Excel stored as ``_x000D_`` stays literal.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from defusedxml.ElementTree import iterparse
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    range_boundaries,
)
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml import DEFUSEDXML

from .domain.checklist import Edition, Party
from .domain.codes import AnswerStatus, Outcome, Verdict
from .domain.engagement import Engagement, checked_answer
from .domain.errors import Invalid
from .domain.text import clean_text
from .ooxml import (
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_UNPACKED_BYTES,
    XLSX,
    PackageRefused,
    check_package,
)
from .xlsx_errors import XlsxImportError, XlsxTooLarge
from .xlsx_print import FULL_TEXT_COLUMNS, FULL_TEXT_SHEET, WIDTHS, PrintLayout

__all__ = [
    "ANSWER_COLUMNS",
    "COLUMNS",
    "DEFUSEDXML",
    "MAX_BYTES",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "REPLACEMENT",
    "REVIEW_SHEET",
    "SHEET_TITLE",
    "VERDICT_SHEET",
    "AnswerChange",
    "XlsxImportError",
    "XlsxTooLarge",
    "export_engagement",
    "export_text",
    "import_answers",
]

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

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2_000
HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 100  # columns beyond CV are not read
MAX_SCANNED_ROWS = 10_000  # physical rows (empty ones included): openpyxl makes up the missing ones
MAX_CELLS = 500_000  # <c> elements in the sheet, empty ones included

REPLACEMENT = "\ufffd"
JST = ZoneInfo("Asia/Tokyo")
SIDES = {
    "connector": (Party.CONNECTOR.value, Party.COMMON.value),
    "bank": (Party.BANK.value, Party.COMMON.value),
}

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEWLINES = re.compile(r"\r\n?")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


# ---------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AnswerChange:
    """An answer in the file that differs from the engagement's (``status`` as its code)."""

    number: int
    status: str
    current_state: str
    issues: str
    plan: str
    remarks: str


# ---------------------------------------------------------------------------------- text rule


def export_text(value: str) -> str:
    """The text as the workbook holds it: CRLF/CR → LF, XML-illegal characters → U+FFFD."""
    return _ILLEGAL.sub(REPLACEMENT, _NEWLINES.sub("\n", value))


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


# ---------------------------------------------------------------------------------- export

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
    if item["custom"]:
        return "", ""
    try:
        references = edition.item(item["number"]).references
    except KeyError:
        return "", ""
    return "\n".join(r.source for r in references), "\n".join(r.location for r in references)


def _format_sheet(ws: Any, engagement: Engagement, edition: Edition, layout: PrintLayout) -> None:
    ws.title = SHEET_TITLE
    _header(ws, COLUMNS)
    index = {name: i for i, name in enumerate(COLUMNS, start=1)}
    row = 1
    for item in engagement.items:
        row += 1
        answer = item["answer"] or {}
        dropped = item["dropped"]
        sources, locations = _references(edition, item)
        objective = item["objective"]
        if dropped:
            objective = f"【削除: {dropped['reason']}】\n{objective}"
        status = AnswerStatus(answer["status"]).label if answer else ""
        texts = {
            "区分": item["category"],
            "セキュリティ対応目標": objective,
            "対象者": Party(item["party"]).label,
            "対応状況区分": "" if dropped else status,
            "関連規定": sources,
            "関連規定箇所": locations,
        }
        for name, field in TEXT_COLUMNS.items():
            texts[name] = "" if dropped else answer.get(field, "")
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
    active_rows = [r for r, item in enumerate(engagement.items, start=2) if not item["dropped"]]
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
    """The engagement as an .xlsx (see the module docstring for the layout)."""
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


# ---------------------------------------------------------------------------------- import: package

_UNREADABLE = "ファイルを読み込めませんでした。Excelで開けることを確認し、.xlsx 形式で保存し直してください。"


def _whole_file(message: str, code: str) -> XlsxImportError:
    return XlsxImportError([{"sheet": "", "cell": "", "message": message, "code": code}])


def _check_package(data: bytes) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx before parsing it (``service.ooxml``)."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("data must be bytes")
    if len(data) > MAX_BYTES:
        raise XlsxTooLarge.single(f"ファイルが大きすぎます（上限 {MAX_BYTES // (1024 * 1024)} MB）。")
    try:
        check_package(bytes(data), XLSX)
    except PackageRefused as refused:
        raise _whole_file(refused.message, refused.code) from refused


# ---------------------------------------------------------------------------------- import: sheet

Row = tuple[int, dict[int, tuple[Any, str]]]  # row number, {column: (value, data_type)} of non-empty cells


def _read_rows(data: bytes) -> tuple[str, list[Row]]:
    """The chosen sheet's non-empty rows, read lazily with every parse failure refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(BytesIO(data), read_only=True, data_only=False)
            try:
                sheets = wb.worksheets
                if not sheets:
                    raise XlsxImportError.single("ワークシートがありません。")
                ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else sheets[0]
                if not hasattr(ws, "iter_rows"):
                    raise XlsxImportError.single(f"シート「{ws.title}」は表ではありません。")
                _check_extent(data, ws._worksheet_path)  # read-only sheets know their part
                return ws.title, _scan(ws)
            finally:
                wb.close()
    except XlsxImportError:
        raise
    except Exception as exc:  # anything openpyxl or defusedxml raises on a hostile or broken file
        raise XlsxImportError.single(_UNREADABLE) from exc


def _too_far(what: str) -> XlsxImportError:
    limit = f"{get_column_letter(MAX_COLUMNS)}列・{MAX_SCANNED_ROWS:,}行"
    return _whole_file(f"シートが大きすぎます（{what}。読み込めるのは {limit} までです）。", "sheet_too_large")


def _check_extent(data: bytes, part: str) -> None:
    """Refuse a sheet declaring a range, a row or a filled column past the limits before openpyxl
    reads it: it makes up every missing row up to the last one (row 1,048,576 from a 1 KB file)."""
    count = last = cells = column = 0
    with zipfile.ZipFile(BytesIO(data)) as archive, archive.open(part) as source:
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag.rpartition("}")[2]
            if event == "start":
                if tag == "row":
                    count, column, last = count + 1, 0, _row_number(element.get("r"), last)
                    if last > MAX_SCANNED_ROWS or count > MAX_SCANNED_ROWS:
                        raise _too_far(f"{max(last, count):,}行目に行があります")
                continue
            if tag == "dimension":
                _, _, last_column, last_row = range_boundaries(element.get("ref") or "A1")
                if (last_column or 0) > MAX_COLUMNS or (last_row or 0) > MAX_SCANNED_ROWS:
                    raise _too_far(f"範囲 {element.get('ref')}")
            elif tag == "c":
                cells += 1
                reference = element.get("r")
                column = column_index_from_string(coordinate_from_string(reference)[0]) if reference else column + 1
                if column > MAX_COLUMNS and len(element):
                    raise _too_far(f"{reference or get_column_letter(column)} に値があります")
                if cells > MAX_CELLS:
                    raise _too_far(f"セルが {MAX_CELLS:,} 個を超えています")
            element.clear()  # only the attributes above are needed: memory stays flat


def _row_number(value: str | None, previous: int) -> int:
    """A row's ``r`` (openpyxl accepts ``"3.0"``); a row without one follows the previous row."""
    if value is None:
        return previous + 1
    number = float(value)
    if not number.is_integer() or number < 1:
        raise ValueError(f"row number {value}")
    return int(number)


def _scan(ws: Any) -> list[Row]:
    too_many = XlsxImportError.single(f"データ行が多すぎます（上限 {MAX_ROWS:,} 行）。")
    ws.reset_dimensions()  # never trust the declared dimension
    rows: list[Row] = []
    for scanned, cells in enumerate(ws.iter_rows(min_row=1, max_col=MAX_COLUMNS), start=1):
        if scanned > MAX_SCANNED_ROWS:
            raise XlsxImportError.single(
                f"シートの行数が多すぎます（{MAX_SCANNED_ROWS:,} 行目より下にデータや書式があります）。"
            )
        content: dict[int, tuple[Any, str]] = {}
        number = 0
        for cell in cells:
            row = getattr(cell, "row", None)
            if row is None or cell.value is None or cell.value == "":
                continue
            content[cell.column] = (cell.value, cell.data_type)
            number = row
        if content:
            rows.append((number, content))
            if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS + 1:
                raise too_many
    return rows


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
    return _NEWLINES.sub("\n", value if isinstance(value, str) else str(value))


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


def import_answers(data: bytes, engagement: Engagement, edition: Edition, *, side: str) -> list[AnswerChange]:
    """The answers of ``side`` in a filled フォーマット that differ from the engagement's.

    Raises ``XlsxImportError`` (``XlsxTooLarge`` over ``MAX_BYTES``) listing every problem;
    never returns a partial result. ``edition`` is accepted for symmetry with the export
    (the comparison uses the engagement's own item texts)."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {', '.join(SIDES)}")
    parties = SIDES[side]
    _check_package(data)
    sheet, rows = _read_rows(data)

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
        change = _check_row(_RowContext(sheet, row, columns, errors), content, items, parties, seen)
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
    parties: tuple[str, ...],
    seen: dict[int, int],
) -> AnswerChange | None:
    """Validate one data row (problems go to ``at.errors``); the change it carries, if any."""
    values: dict[str, str] = {}
    formulas: set[str] = set()
    for name in REQUIRED_COLUMNS:
        value, dtype = content.get(at.columns[name], (None, "n"))
        if dtype == "f":
            at.fail(name, "数式は使用できません。値（文字列）として入力してください。")
            formulas.add(name)
            value = None
        values[name] = _cell_text(value)
    filled = [name for name in ANSWER_COLUMNS if name in formulas or values[name].strip()]

    if "通番" in formulas:
        return None
    if not values["通番"].strip():
        if filled:
            at.fail("通番", "通番を入力してください。")
        return None
    number = _parse_number(content[at.columns["通番"]][0])
    if number is None:
        at.fail("通番", f"通番「{export_text(values['通番'][:20])}」が正しくありません（項目の番号を数字で入力してください）。")
        return None
    if number in seen:
        at.fail("通番", f"通番 {number} の行が重複しています（{seen[number]}行目と同じ番号です）。")
        return None
    seen[number] = at.row
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
    if item["party"] not in parties or not filled:
        return None  # the other side's row, or a row left empty: an empty row never clears an answer

    problems = len(at.errors)
    if "セキュリティ対応目標" not in formulas and export_text(values["セキュリティ対応目標"]) != export_text(item["objective"]):
        at.fail(
            "セキュリティ対応目標",
            f"通番 {number} のセキュリティ対応目標が変更されています。確認項目の文言は編集せず、回答欄のみ記入してください"
            "（行の並べ替えや貼り付けのずれにもご注意ください）。",
        )
    status = None
    if STATUS_COLUMN not in formulas:
        if not values[STATUS_COLUMN].strip():
            at.fail(STATUS_COLUMN, "対応状況区分を入力してください。")
        else:
            status = _parse_status(values[STATUS_COLUMN])
            if status is None:
                at.fail(
                    STATUS_COLUMN,
                    f"対応状況区分「{export_text(values[STATUS_COLUMN][:30])}」は使用できません"
                    "（対応済／一部対応／未対応（計画あり）／未対応／対象外のいずれか）。",
                )
    texts = {}
    for name, field in TEXT_COLUMNS.items():
        if name not in formulas:
            try:  # the domain's rule for typed text: control characters, length, required
                texts[field] = clean_text(values[name], field, required=field == "current_state")
            except Invalid as error:
                at.fail(name, error.detail, error.code)
    if status is None or formulas or len(at.errors) > problems:
        return None
    try:
        new = checked_answer(status, **texts)  # and the rules across an answer's fields
    except Invalid as error:
        at.fail(_COLUMN_OF.get(error.context.get("field"), STATUS_COLUMN), error.detail, error.code)
        return None
    del new["status"]
    current = item["answer"]
    if current is not None and current["status"] == status and all(
        export_text(current[field]) == text for field, text in new.items()
    ):
        return None  # compared as the workbook holds the text (see export_text)
    return AnswerChange(number=number, status=status, **new)
