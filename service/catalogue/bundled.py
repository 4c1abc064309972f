"""The editions shipped in ``editions/`` (one YAML file each, the checklist transcribed verbatim
from the 解説書), loaded once and ordered by edition id."""

from __future__ import annotations

import functools
import pathlib
import re

from service.domain.checklist import Edition

from .errors import CatalogueError
from .parsing import load_edition

__all__ = ["EDITIONS_DIR", "bundled_editions", "current_edition", "edition_order"]

EDITIONS_DIR = pathlib.Path(__file__).resolve().parent / "editions"


def edition_order(edition_id: str) -> tuple[tuple[int, ...], str]:
    """Editions sort by the numbers in their ids (2019.03 < 2020.03 < 2020.10)."""
    return tuple(int(part) for part in re.findall(r"\d+", edition_id)), edition_id


@functools.lru_cache(maxsize=None)
def _bundled() -> tuple[Edition, ...]:
    editions: dict[str, Edition] = {}
    for path in sorted(EDITIONS_DIR.glob("*.yaml")):
        edition = load_edition(path)
        if edition.id in editions:
            raise CatalogueError(path.name, "", f"項目 'edition' の {edition.id!r} は別のファイルでも使われています")
        editions[edition.id] = edition
    return tuple(sorted(editions.values(), key=lambda e: edition_order(e.id)))


def bundled_editions() -> dict[str, Edition]:
    """All editions shipped in ``editions/``, keyed by edition id, oldest first (loaded once)."""
    return {edition.id: edition for edition in _bundled()}


def current_edition() -> Edition:
    """The newest bundled edition."""
    editions = _bundled()
    if not editions:
        raise CatalogueError(EDITIONS_DIR.name, "", "同梱の版が見つかりません")
    return editions[-1]
