"""Office Open XML packages (.xlsx, .docx) checked before anything parses them.

One rule for the フォーマット import and for evidence files: a zip with ``[Content_Types].xml``
and the format's main part, no macros, no encrypted or oddly compressed members, no member
names that climb out of the package (absolute, ``..``, backslashes, drive letters), at most
``MAX_MEMBERS`` members and ``MAX_UNPACKED_BYTES`` once inflated, no member inflating more
than ``MAX_RATIO`` times, and no ``<!DOCTYPE``/``<!ENTITY`` in an XML part.

Sizes are what the members really inflate to, read in ``CHUNK`` pieces and abandoned once a
limit is passed: the sizes and the CRC a zip's headers claim are checked against the bytes,
never believed (``zipfile.read`` inflates a whole member even when the header claims 1 KB).
A package that passes has honest headers, so a parser may then open it as it likes.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 1_000
CHUNK = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and the old binary formats

_XML_PARTS = (".xml", ".rels", ".vml")
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SAFE_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii"}
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Format:
    """What a package of one kind must hold, and the words its messages use."""

    main_part: str
    content_type: str
    app: str
    ext: str
    legacy: str
    macro_ext: str

    @property
    def label(self) -> str:
        return f"{self.app}（{self.ext}）"


XLSX = Format(
    "xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel", ".xlsx", ".xls", ".xlsm"
)
DOCX = Format(
    "word/document.xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word",
    ".docx",
    ".doc",
    ".docm",
)
FORMATS = {fmt.ext: fmt for fmt in (XLSX, DOCX)}


class PackageRefused(Exception):
    """The package breaks a rule: ``code`` for machines, ``message`` (Japanese) for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_package(data: bytes, fmt: Format) -> frozenset[str]:
    """The member names of a package that passes every rule above, else ``PackageRefused``."""
    not_format = PackageRefused(
        "not_office_file", f"{fmt.label}形式のファイルではありません。{fmt.app}で {fmt.ext} 形式で保存したファイルを指定してください。"
    )
    if data[:8] == OLE_MAGIC:
        raise PackageRefused(
            "encrypted_or_legacy",
            f"パスワード付きのファイル、または旧形式（{fmt.legacy}）のファイルは読み込めません。"
            f"パスワードを解除し、{fmt.ext} 形式で保存し直してください。",
        )
    buffer = BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise not_format
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
            _check_names(members)
            names = frozenset(member.filename for member in members)
            if "[Content_Types].xml" not in names or fmt.main_part not in names:
                raise not_format
            if any("vbaproject" in name.lower() for name in names):
                raise _macro(fmt)
            parts = _inflate_all(archive, members)
    except PackageRefused:
        raise
    except Exception as exc:  # corrupt zip, bad CRC, truncated stream …
        raise PackageRefused("unreadable", _unreadable(fmt)) from exc
    content_types = parts["[Content_Types].xml"].lower()
    if b"macroenabled" in content_types or b"vbaproject" in content_types:
        raise _macro(fmt)
    for xml in parts.values():
        _refuse_dtd(xml, fmt)
    return names


def _unreadable(fmt: Format) -> str:
    return f"ファイルを読み込めませんでした。{fmt.app}で開けることを確認し、{fmt.ext} 形式で保存し直してください。"


def _macro(fmt: Format) -> PackageRefused:
    return PackageRefused(
        "macro", f"マクロを含むファイル（{fmt.macro_ext}）は受け付けません。{fmt.ext} 形式で保存し直してください。"
    )


def unsafe_name(name: str) -> bool:
    """A member name that is absolute, climbs with ``..``, or uses a backslash, a drive or a control character."""
    if not name or name.startswith("/") or "\\" in name or _DRIVE.match(name):
        return True
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return True
    return any(part in (".", "..") for part in name.split("/"))


def _check_names(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise PackageRefused("too_many_members", f"ファイル内の要素が多すぎます（上限 {MAX_MEMBERS:,} 個）。")
    seen: set[str] = set()
    for member in members:
        if unsafe_name(member.orig_filename):
            shown = "".join(ch if ord(ch) >= 32 else "?" for ch in member.orig_filename[:80])
            raise PackageRefused("unsafe_member_name", f"ファイル内に不正な名前の要素があります（{shown}）。")
        key = member.filename.lower()
        if key in seen:
            raise PackageRefused("duplicate_member", f"ファイル内に同じ名前の要素が重複しています（{member.filename[:80]}）。")
        seen.add(key)
        if member.flag_bits & 0x1:
            raise PackageRefused("encrypted_member", "暗号化された要素を含むファイルは読み込めません。パスワードを解除してください。")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageRefused("unsupported_compression", "対応していない圧縮形式のファイルは読み込めません。")
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise _too_big()


def _too_big() -> PackageRefused:
    return PackageRefused("unpacked_too_large", f"展開後のサイズが大きすぎます（上限 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB）。")


def _bomb() -> PackageRefused:
    return PackageRefused("compression_ratio", "圧縮率が異常なファイルは読み込めません（zip爆弾の疑い）。")


def _inflate_all(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Inflate every member within the limits (by the bytes, not the headers); the XML parts' bytes."""
    parts: dict[str, bytes] = {}
    total = 0
    for member in members:
        if member.is_dir():
            continue
        data = _inflate(archive, member, MAX_UNPACKED_BYTES - total, max(member.compress_size, 1) * MAX_RATIO)
        total += len(data)
        if len(data) != member.file_size:
            raise PackageRefused("inconsistent_package", "ファイルの構造が壊れています（要素のサイズの記録が実際と異なります）。")
        if posixpath.basename(member.filename).lower().endswith(_XML_PARTS) or member.filename == "[Content_Types].xml":
            parts[member.filename] = data
    return parts


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int, ratio_limit: int) -> bytes:
    """The member's real bytes, read in chunks and given up once past ``budget`` or ``ratio_limit``."""
    unbounded = copy.copy(member)
    unbounded.file_size = budget + ratio_limit + 1  # zipfile then stops at the real end, checking the CRC there
    chunks: list[bytes] = []
    size = 0
    with archive.open(unbounded) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > budget:
                raise _too_big()
            if size > ratio_limit:
                raise _bomb()
            chunks.append(chunk)
    return b"".join(chunks)


def _refuse_dtd(xml: bytes, fmt: Format) -> None:
    """No XML part may declare a DOCTYPE or an entity (billion laughs, external entities)."""
    dtd = PackageRefused("xml_dtd", "ファイルに許可されていないXML定義（DOCTYPE／ENTITY）が含まれているため読み込めません。")
    utf16 = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"<\x00": "utf-16-le", b"\x00<": "utf-16-be"}
    if xml[:2] in utf16:
        text = xml.decode(utf16[xml[:2]], errors="replace").lower()
        if "<!doctype" in text or "<!entity" in text:
            raise dtd
        return
    head = xml[3:] if xml.startswith(b"\xef\xbb\xbf") else xml
    declared = _XML_ENCODING.match(head[:300])
    if declared and declared.group(1).decode("ascii").lower() not in _SAFE_ENCODINGS:
        raise PackageRefused("xml_encoding", _unreadable(fmt))
    lowered = xml.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise dtd
