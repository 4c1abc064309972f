"""The FISC「API接続チェックリスト」 as immutable value objects.

An edition is loaded from the bundled catalogue files (see ``service.catalogue``);
the domain only needs to know item numbers, parties and texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Party(str, Enum):
    """対象者: who implements (and so answers) a check item."""

    CONNECTOR = "connector"  # API接続先
    BANK = "bank"  # 金融機関
    COMMON = "common"  # 共通: both, together

    @property
    def label(self) -> str:
        return {"connector": "API接続先", "bank": "金融機関", "common": "共通"}[self.value]


@dataclass(frozen=True)
class Method:
    """One 手法例 line, under its <…> group heading."""

    group: str
    text: str


@dataclass(frozen=True)
class Reference:
    """One 関連規定 entry: the source document and the location inside it."""

    source: str
    location: str


@dataclass(frozen=True)
class CheckItem:
    number: int
    chapter: int
    category: str
    party: Party
    objective: str
    explanation: str
    methods: tuple[Method, ...]
    notes: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class Category:
    """One of the 9 区分 (chapters) with its purpose and item number range."""

    chapter: int
    name: str
    purpose: str
    numbers: tuple[int, ...]


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    pages: str
    description: str


@dataclass(frozen=True)
class Edition:
    id: str
    title: str
    published: str
    categories: tuple[Category, ...]
    items: tuple[CheckItem, ...]
    glossary: tuple[GlossaryTerm, ...] = field(default=())

    def item(self, number: int) -> CheckItem:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(item.number for item in self.items)


@dataclass(frozen=True)
class EditionDiff:
    """Item numbers that differ between two editions (any field of the item)."""

    changed: tuple[int, ...]
    added: tuple[int, ...]
    removed: tuple[int, ...]

    @property
    def touched(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.changed) | set(self.added)))


def diff_editions(old: Edition, new: Edition) -> EditionDiff:
    before = {item.number: item for item in old.items}
    after = {item.number: item for item in new.items}
    return EditionDiff(
        changed=tuple(sorted(n for n in before.keys() & after.keys() if before[n] != after[n])),
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
    )
