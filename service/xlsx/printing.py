"""The exported workbook on paper: Excel caps a row at 409 pt, so text a row cannot print is
marked and repeated in pieces on a last sheet (docs/xlsx-format.md, Printing)."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl.worksheet.page import PageMargins

FULL_TEXT_SHEET = "全文（印刷用）"
FULL_TEXT_COLUMNS = ("シート", "通番", "列", "分割", "全文")
MARK = "※"
LEGEND = f"{MARK} の行には欄に収まらず印刷で切れる文があります。全文はシート「{FULL_TEXT_SHEET}」にあります。"
LINE_HEIGHT = 14.0  # pt a line of the 10 pt font
MAX_HEIGHT = 409.0  # Excel's largest row height
MAX_LINES = 26  # 368 pt: under the cap, with room for Excel wrapping a little differently from this estimate
_MARKED_NUMBER = f'0"{MARK}"'
_HEADING_LIMIT = 100  # Excel refuses page headers over 255 characters, codes included

WIDTHS = {
    "通番": 7,
    "区分": 16,
    "セキュリティ対応目標": 48,
    "対象者": 11,
    "対応状況区分": 16,
    "現在の対応状況": 48,
    "課題認識": 36,
    "課題への対応計画": 36,
    "関連規定": 26,
    "関連規定箇所": 22,
    "備考": 30,
    "質問ID": 14,
    "投稿者": 16,
    "組織": 22,
    "日時（JST）": 17,
    "内容": 70,
    "状態": 10,
    "判定": 14,
    "判定コメント": 48,
    "判定者": 16,
    "判定日時（JST）": 17,
    "シート": 14,
    "列": 16,
    "分割": 7,
    "全文": 100,
}


def display_width(text: str) -> int:
    """Half-width units: wide and ambiguous East Asian characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _per_line(column: str) -> int:
    return max(WIDTHS.get(column, 16) - 1, 4)


def lines_needed(text: str, column: str) -> int:
    """Wrapped lines ``text`` takes in ``column`` (an estimate from the column's width)."""
    width = _per_line(column)
    return sum(max(1, math.ceil(display_width(line) / width)) for line in text.split("\n"))


def row_height(texts: dict[str, str]) -> float:
    lines = max([1, *(lines_needed(text, column) for column, text in texts.items())])
    return min(MAX_HEIGHT, LINE_HEIGHT * lines + 4)


def pieces_for_print(text: str, column: str = "全文") -> list[str]:
    """``text`` in pieces of at most ``MAX_LINES`` wrapped lines in ``column``, joined back by line
    breaks except where a single over-long line had to be cut."""
    width = _per_line(column)
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        while True:
            need = max(1, math.ceil(display_width(line) / width))
            if used + need <= MAX_LINES:
                current.append(line)
                used += need
                break
            if current:
                pieces.append("\n".join(current))
                current, used = [], 0
                continue
            head = _cut(line, width * MAX_LINES)
            pieces.append(head)
            line = line[len(head) :]
    if current or not pieces:
        pieces.append("\n".join(current))
    return pieces


def _cut(line: str, budget: int) -> str:
    """The longest start of ``line`` within ``budget`` half-width units (at least one character)."""
    used = 0
    for end, ch in enumerate(line):
        used += 2 if unicodedata.east_asian_width(ch) in "WFA" else 1
        if used > budget:
            return line[: max(end, 1)]
    return line


@dataclass(frozen=True)
class Overflow:
    sheet: str
    number: Any
    column: str
    text: str


@dataclass
class PrintLayout:
    """What one export prints: its page header, and the texts its rows could not hold."""

    heading: str
    overflow: list[Overflow] = field(default_factory=list)

    def fit_row(self, ws: Any, row: int, texts: dict[str, str], mark: Any, label: str | None = None) -> None:
        """Size the row; a text it cannot print goes to the full-text sheet and ``mark`` (the 通番
        cell, or the label cell of a row without one, then named ``label`` there) gets ※."""
        ws.row_dimensions[row].height = row_height(texts)
        cut = [column for column, text in texts.items() if lines_needed(text, column) > MAX_LINES]
        if not cut:
            return
        number = mark.value if isinstance(mark.value, int) else ""
        self.overflow.extend(Overflow(ws.title, number, label or column, texts[column]) for column in cut)
        if isinstance(mark.value, int):
            mark.number_format = _MARKED_NUMBER
        else:
            mark.value = f"{mark.value}{MARK}"

    def full_text_rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = []
        for entry in self.overflow:
            pieces = pieces_for_print(entry.text)
            for i, piece in enumerate(pieces, start=1):
                rows.append([entry.sheet, entry.number, entry.column, f"{i}/{len(pieces)}", piece])
        return rows

    def set_up(self, ws: Any) -> None:
        """Landscape A4 fitted to the width, header row on every page, header and page numbers."""
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.75, bottom=0.75, header=0.3, footer=0.3)
        ws.print_options.horizontalCentered = True
        heading = " ".join(self.heading.split())[:_HEADING_LIMIT]
        ws.oddHeader.left.text = heading.replace("&", "&&")
        ws.oddHeader.right.text = "&A"
        ws.oddFooter.center.text = "&P / &N"

    def explain_marks(self, wb: Any) -> None:
        """The legend in the footer of every sheet with a marked row (once all rows are written)."""
        for title in {entry.sheet for entry in self.overflow}:
            wb[title].oddFooter.left.text = LEGEND
