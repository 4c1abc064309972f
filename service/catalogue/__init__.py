"""The bundled FISC「API接続チェックリスト」 editions.

Each edition is one YAML file in ``editions/`` (the checklist transcribed verbatim from
the 解説書). ``load_edition`` reads and strictly validates one file into the domain value
objects of ``service.domain.checklist``; anything unexpected raises ``CatalogueError``
naming the file, the item and the field.
"""

from __future__ import annotations

import functools
import pathlib
import re
from typing import Any, Mapping

import yaml

from service.domain.checklist import (
    Category,
    CheckItem,
    Edition,
    GlossaryTerm,
    Method,
    Party,
    Reference,
)

__all__ = [
    "EDITIONS_DIR",
    "ITEM_COUNT",
    "CatalogueError",
    "bundled_editions",
    "current_edition",
    "edition_from_dict",
    "edition_order",
    "edition_to_dict",
    "load_edition",
]

EDITIONS_DIR = pathlib.Path(__file__).resolve().parent / "editions"
ITEM_COUNT = 44  # 通番 1–44

_TOP_KEYS = ("edition", "title", "published", "categories", "items", "glossary")
_CATEGORY_KEYS = ("chapter", "name", "purpose", "numbers")
_ITEM_KEYS = (
    "number",
    "chapter",
    "category",
    "party",
    "objective",
    "explanation",
    "methods",
    "notes",
    "references",
)
_METHOD_KEYS = ("group", "text")
_REFERENCE_KEYS = ("source", "location")
_GLOSSARY_KEYS = ("term", "pages", "description")
_PARTIES = tuple(p.value for p in Party)


class CatalogueError(Exception):
    """A catalogue file is unreadable or does not match the expected shape.

    The message names the file, then where the problem is, e.g.
    ``fisc-2019.03.yaml: item 12: field 'objective' is empty``.
    """

    def __init__(self, file: str, where: str, problem: str) -> None:
        self.file = file
        self.where = where
        self.problem = problem
        super().__init__(": ".join(part for part in (file, where, problem) if part))


class _Checker:
    """Validation helpers bound to one file and one location (``where``)."""

    def __init__(self, file: str, where: str = "") -> None:
        self.file = file
        self.where = where

    def at(self, where: str) -> _Checker:
        return _Checker(self.file, where)

    def fail(self, problem: str) -> CatalogueError:
        return CatalogueError(self.file, self.where, problem)

    def mapping(self, value: Any, keys: tuple[str, ...], what: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a mapping, got {type(value).__name__}")
        for key in value:
            if key not in keys:
                raise self.fail(f"unknown field {key!r}")
        for key in keys:
            if key not in value:
                raise self.fail(f"field {key!r} is missing")
        return value

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise self.fail(f"field {field!r} must be a string, got {type(value).__name__}")
        if not value.strip():
            raise self.fail(f"field {field!r} is empty")
        return value

    def integer(self, value: Any, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"field {field!r} must be an integer, got {type(value).__name__}")
        return value

    def sequence(self, value: Any, field: str, *, allow_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(f"field {field!r} must be a list, got {type(value).__name__}")
        if not allow_empty and not value:
            raise self.fail(f"field {field!r} is empty")
        return value


def load_edition(path: pathlib.Path) -> Edition:
    """Read and validate one catalogue file; raise ``CatalogueError`` on the first problem."""
    path = pathlib.Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _Checker(path.name).fail(f"cannot read catalogue: {exc}") from exc
    return edition_from_dict(raw, source=path.name)


def edition_from_dict(raw: Any, *, source: str, item_count: int | None = ITEM_COUNT) -> Edition:
    """Validate an edition document (the shape ``edition_to_dict`` produces) into an ``Edition``.

    ``item_count`` fixes how many items it must hold (44 for the FISC 解説書); a revised
    edition published later (``item_count=None``) may add or remove items, as long as
    the numbers ascend and every item lies in its category's range."""
    check = _Checker(source)
    doc = check.mapping(raw, _TOP_KEYS, "the document")
    categories = _categories(check, doc["categories"], item_count)
    return Edition(
        id=check.text(doc["edition"], "edition"),
        title=check.text(doc["title"], "title"),
        published=check.text(doc["published"], "published"),
        categories=categories,
        items=_items(check, doc["items"], categories, item_count),
        glossary=_glossary(check, doc["glossary"]),
    )


def _categories(check: _Checker, value: Any, item_count: int | None) -> tuple[Category, ...]:
    rows = check.sequence(value, "categories", allow_empty=False)
    categories: list[Category] = []
    for index, row in enumerate(rows, start=1):
        at = check.at(f"categories[{index}]")
        row = at.mapping(row, _CATEGORY_KEYS, "a category")
        chapter = at.integer(row["chapter"], "chapter")
        at = check.at(f"category {chapter}")
        name = at.text(row["name"], "name")
        purpose = at.text(row["purpose"], "purpose")
        numbers = at.sequence(row["numbers"], "numbers")
        if len(numbers) != 2:
            raise at.fail(f"field 'numbers' must be [first, last], got {numbers!r}")
        first = at.integer(numbers[0], "numbers")
        last = at.integer(numbers[1], "numbers")
        if first > last:
            raise at.fail(f"field 'numbers' is an empty range [{first}, {last}]")
        if any(c.chapter == chapter for c in categories):
            raise at.fail("field 'chapter' is used by an earlier category")
        if any(c.name == name for c in categories):
            raise at.fail(f"field 'name' {name!r} is used by an earlier category")
        categories.append(Category(chapter=chapter, name=name, purpose=purpose, numbers=(first, last)))

    expected = 1
    covered = max(c.numbers[1] for c in categories)
    for category in sorted(categories, key=lambda c: c.numbers[0]):
        first, last = category.numbers
        if first != expected:
            raise check.at(f"category {category.chapter}").fail(
                f"field 'numbers' starts at {first}, expected {expected} (ranges must cover "
                f"1..{item_count or covered} without gap or overlap)"
            )
        expected = last + 1
    if item_count is not None and expected != item_count + 1:
        raise check.fail(f"field 'categories' covers 1..{expected - 1}, expected 1..{item_count}")
    return tuple(categories)


def _items(
    check: _Checker, value: Any, categories: tuple[Category, ...], item_count: int | None
) -> tuple[CheckItem, ...]:
    rows = check.sequence(value, "items", allow_empty=False)
    if item_count is not None and len(rows) != item_count:
        raise check.fail(f"field 'items' must hold {item_count} items, got {len(rows)}")
    last_number = max(c.numbers[1] for c in categories)
    items: list[CheckItem] = []
    seen: set[int] = set()
    for position, row in enumerate(rows, start=1):
        at = check.at(f"items[{position}]")
        if not isinstance(row, dict):
            raise at.fail(f"an item must be a mapping, got {type(row).__name__}")
        if "number" not in row:
            raise at.fail("field 'number' is missing")
        number = at.integer(row["number"], "number")
        at = check.at(f"item {number}")
        row = at.mapping(row, _ITEM_KEYS, "an item")
        if number in seen:
            raise at.fail("field 'number' duplicates an earlier item")
        if item_count is not None and number != position:
            raise at.fail(f"field 'number' is out of order (expected {position})")
        if item_count is None and (number <= max(seen, default=0) or not 1 <= number <= last_number):
            raise at.fail(f"field 'number' must ascend within 1..{last_number}")
        seen.add(number)
        items.append(_item(at, number, row, categories))
    return tuple(items)


def _item(at: _Checker, number: int, row: Mapping[str, Any], categories: tuple[Category, ...]) -> CheckItem:
    chapter = at.integer(row["chapter"], "chapter")
    category_name = at.text(row["category"], "category")
    home = next(c for c in categories if c.numbers[0] <= number <= c.numbers[1])
    if chapter != home.chapter:
        raise at.fail(f"field 'chapter' is {chapter}, but the item belongs to chapter {home.chapter}")
    if category_name != home.name:
        raise at.fail(f"field 'category' is {category_name!r}, but chapter {home.chapter} is {home.name!r}")

    party = at.text(row["party"], "party")
    if party not in _PARTIES:
        raise at.fail(f"field 'party' must be one of {', '.join(_PARTIES)}, got {party!r}")

    objective = at.text(row["objective"], "objective")
    explanation = at.text(row["explanation"], "explanation")

    methods = [
        Method(**_texts(at, entry, _METHOD_KEYS, f"methods[{index}]"))
        for index, entry in enumerate(at.sequence(row["methods"], "methods", allow_empty=False), start=1)
    ]
    notes = tuple(
        at.text(note, f"notes[{index}]") for index, note in enumerate(at.sequence(row["notes"], "notes"), start=1)
    )
    references = [
        Reference(**_texts(at, entry, _REFERENCE_KEYS, f"references[{index}]"))
        for index, entry in enumerate(at.sequence(row["references"], "references"), start=1)
    ]

    return CheckItem(
        number=number,
        chapter=chapter,
        category=category_name,
        party=Party(party),
        objective=objective,
        explanation=explanation,
        methods=tuple(methods),
        notes=notes,
        references=tuple(references),
    )


def _texts(at: _Checker, value: Any, keys: tuple[str, ...], field: str) -> dict[str, str]:
    """A nested mapping of exactly ``keys``, each a non-empty text (a method or a reference)."""
    if not isinstance(value, dict):
        raise at.fail(f"field {field!r} must be a mapping, got {type(value).__name__}")
    for key in value:
        if key not in keys:
            raise at.fail(f"unknown field '{field}.{key}'")
    for key in keys:
        if key not in value:
            raise at.fail(f"field '{field}.{key}' is missing")
    return {key: at.text(value[key], f"{field}.{key}") for key in keys}


def _glossary(check: _Checker, value: Any) -> tuple[GlossaryTerm, ...]:
    terms: list[GlossaryTerm] = []
    for index, row in enumerate(check.sequence(value, "glossary"), start=1):
        at = check.at(f"glossary[{index}]")
        row = at.mapping(row, _GLOSSARY_KEYS, "a glossary term")
        terms.append(
            GlossaryTerm(
                term=at.text(row["term"], "term"),
                pages=at.text(row["pages"], "pages"),
                description=at.text(row["description"], "description"),
            )
        )
    return tuple(terms)


def edition_order(edition_id: str) -> tuple[tuple[int, ...], str]:
    """Editions sort by the numbers in their ids (2019.03 < 2020.03 < 2020.10)."""
    return tuple(int(part) for part in re.findall(r"\d+", edition_id)), edition_id


@functools.lru_cache(maxsize=None)
def _bundled() -> tuple[Edition, ...]:
    editions: dict[str, Edition] = {}
    for path in sorted(EDITIONS_DIR.glob("*.yaml")):
        edition = load_edition(path)
        if edition.id in editions:
            raise CatalogueError(path.name, "", f"field 'edition' {edition.id!r} is used by another file")
        editions[edition.id] = edition
    return tuple(sorted(editions.values(), key=lambda e: edition_order(e.id)))


def bundled_editions() -> dict[str, Edition]:
    """All editions shipped in ``editions/``, keyed by edition id, oldest first (loaded once)."""
    return {edition.id: edition for edition in _bundled()}


def current_edition() -> Edition:
    """The newest bundled edition."""
    editions = _bundled()
    if not editions:
        raise CatalogueError(EDITIONS_DIR.name, "", "no bundled edition found")
    return editions[-1]


def edition_to_dict(edition: Edition) -> dict[str, Any]:
    """The JSON-ready form of an edition (party as its code, tuples as lists)."""
    return {
        "edition": edition.id,
        "title": edition.title,
        "published": edition.published,
        "categories": [
            {
                "chapter": category.chapter,
                "name": category.name,
                "purpose": category.purpose,
                "numbers": list(category.numbers),
            }
            for category in edition.categories
        ],
        "items": [
            {
                "number": item.number,
                "chapter": item.chapter,
                "category": item.category,
                "party": item.party.value,
                "objective": item.objective,
                "explanation": item.explanation,
                "methods": [{"group": m.group, "text": m.text} for m in item.methods],
                "notes": list(item.notes),
                "references": [{"source": r.source, "location": r.location} for r in item.references],
            }
            for item in edition.items
        ],
        "glossary": [
            {"term": term.term, "pages": term.pages, "description": term.description}
            for term in edition.glossary
        ],
    }
