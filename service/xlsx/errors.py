"""How a refused workbook is reported, without openpyxl: the web layer maps these errors to
responses at start, while openpyxl, heavy to load, waits for the first Excel use."""

from __future__ import annotations

from collections.abc import Iterable


class XlsxImportError(Exception):
    """The file is refused; ``errors`` lists every problem as ``{"sheet", "cell", "message"}``."""

    def __init__(self, errors: Iterable[dict[str, str]]) -> None:
        self.errors = [dict(error) for error in errors]
        super().__init__("; ".join(f"{e['sheet']}!{e['cell']}: {e['message']}" for e in self.errors))

    @classmethod
    def single(cls, message: str) -> "XlsxImportError":
        return cls([{"sheet": "", "cell": "", "message": message}])


class XlsxTooLarge(XlsxImportError):
    """The file exceeds ``MAX_BYTES`` (the API answers 413)."""
