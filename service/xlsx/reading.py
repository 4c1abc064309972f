"""The imported workbook read without trusting it: the package, then the sheet's extent, are
checked before openpyxl parses any row (limits and reasons: docs/xlsx-format.md)."""

from __future__ import annotations

import warnings
import zipfile
from io import BytesIO
from typing import Any

from defusedxml.ElementTree import iterparse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries
from openpyxl.xml import DEFUSEDXML

from ..ooxml import XLSX, PackageRefused, check_package
from .errors import XlsxImportError, XlsxTooLarge
from .layout import SHEET_TITLE

__all__ = ["DEFUSEDXML", "HEADER_SCAN_ROWS", "MAX_BYTES", "MAX_ROWS", "Row", "read_rows"]

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2_000
HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 100  # columns beyond CV are not read
MAX_SCANNED_ROWS = 10_000  # physical rows (empty ones included): openpyxl makes up the missing ones
MAX_CELLS = 500_000  # <c> elements in the sheet, empty ones included

_UNREADABLE = "ファイルを読み込めませんでした。Excelで開けることを確認し、.xlsx 形式で保存し直してください。"

Row = tuple[int, dict[int, tuple[Any, str]]]  # row number, {column: (value, data_type)} of non-empty cells


def read_rows(data: bytes) -> tuple[str, list[Row]]:
    """The chosen sheet's title and non-empty rows; ``XlsxImportError`` for a refused file."""
    _check_package(data)
    return _read_rows(data)


def _whole_file(message: str, code: str) -> XlsxImportError:
    return XlsxImportError([{"sheet": "", "cell": "", "message": message, "code": code}])


def _check_package(data: bytes) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx before parsing it (``service.ooxml``)."""
    if len(data) > MAX_BYTES:
        raise XlsxTooLarge.single(f"ファイルが大きすぎます（上限 {MAX_BYTES // (1024 * 1024)} MB）。")
    try:
        check_package(bytes(data), XLSX)
    except PackageRefused as refused:
        raise _whole_file(refused.message, refused.code) from refused


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

