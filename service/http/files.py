"""File responses for the API and the pages alike: attachment, nosniff, RFC 5987 names."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def content_disposition(filename: str) -> str:
    """An attachment header with an ASCII fallback and the UTF-8 name (RFC 5987)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename) or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def file_response(data: bytes, record: dict[str, Any]) -> Response:
    response = Response(data, mimetype=record["content_type"])
    response.headers["Content-Disposition"] = content_disposition(record["filename"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def xlsx_filename(engagement: Any) -> str:
    return f"API接続チェックリスト_{engagement.title}_{engagement.connector['name']}.xlsx"
