"""Evidence and certification files, content-addressed by SHA-256 under ``BLOB_DIR``.

Only a few kinds are accepted, recognised by their first bytes (the client's content
type is not trusted), and each is limited in size; an .xlsx or .docx must also pass the
package rule of ``service.ooxml`` that the Excel import applies (``OfficeFileRefused``).
The SHA-256 is what events record; a file is written once and never changed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .domain.errors import Invalid, NotFound, OfficeFileRefused
from .ooxml import FORMATS, PackageRefused, check_package

MAX_BLOB_BYTES = 5 * 1024 * 1024  # within the 6 MB request limit (MAX_CONTENT_LENGTH)
KINDS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt", ".csv"),
    **{fmt.content_type: (ext,) for ext, fmt in FORMATS.items()},
}


class BlobNotFound(NotFound):
    code = "file_not_found"


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    filename: str
    size: int
    content_type: str

    def as_record(self) -> dict[str, object]:
        return {"sha256": self.sha256, "filename": self.filename, "size": self.size, "content_type": self.content_type}


def sniff(data: bytes, filename: str) -> str:
    """The content type the bytes really are, or ``Invalid`` when not an accepted kind."""
    suffix = Path(filename).suffix.lower()
    if data.startswith(b"%PDF-"):
        kind = "application/pdf"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "image/jpeg"
    elif data.startswith(b"PK\x03\x04"):
        kind = _office_kind(data, suffix)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        kind = "text/plain" if text is not None and "\x00" not in text else ""
    if not kind or suffix not in KINDS[kind]:
        raise Invalid("PDF・PNG・JPEG・テキスト・CSV・Excel・Word のファイルのみ添付できます", field="file")
    return kind


def _office_kind(data: bytes, suffix: str) -> str:
    """An .xlsx/.docx passes the Excel import's own package rule (macros, bombs, names, DTDs)."""
    fmt = FORMATS.get(suffix)
    if fmt is None:
        return ""
    try:
        check_package(data, fmt)
    except PackageRefused as refused:
        raise OfficeFileRefused(refused.message, field="file", reason=refused.code) from None
    return fmt.content_type


def safe_filename(filename: str) -> str:
    """The base name only, without path parts or control characters, at most 200 characters."""
    name = Path(filename.replace("\\", "/")).name
    name = "".join(ch for ch in name if ord(ch) >= 32 and ch not in '<>:"|?*')
    return name[-200:] or "file"


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
            raise BlobNotFound("no such file")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes, filename: str) -> StoredBlob:
        if len(data) > MAX_BLOB_BYTES:
            raise Invalid(f"ファイルは {MAX_BLOB_BYTES // (1024 * 1024)} MB までです", field="file")
        if not data:
            raise Invalid("空のファイルは添付できません", field="file")
        name = safe_filename(filename)
        kind = sniff(data, name)
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(data)
            os.replace(handle.name, path)  # atomic: a reader never sees half a file
        return StoredBlob(digest, name, len(data), kind)

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        if not path.exists():
            raise BlobNotFound("no such file")
        return path.read_bytes()
