"""One edition file read and strictly validated into the domain's value objects
(``service.domain.checklist``); anything unexpected names the file, the item and the field."""

from __future__ import annotations

import pathlib
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

from .errors import CatalogueError

__all__ = ["ITEM_COUNT", "edition_from_dict", "load_edition"]

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


def _wrong_type(subject: str, kind: str, value: Any) -> str:
    """The one wording for "this value has the wrong YAML type" (a mapping, a string, …);
    a quoted key stands apart from the particle, as in the other texts."""
    gap = " " if subject.endswith("'") else ""
    return f"{subject}{gap}は{kind}で指定してください（指定値の型: {type(value).__name__}）"


def _missing(field: str) -> str:
    return f"項目 {field!r} がありません"


def _unknown(field: str) -> str:
    return f"未知の項目 {field!r} があります"


def _empty(field: str) -> str:
    return f"項目 {field!r} が空です"


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
            raise self.fail(_wrong_type(what, "マッピング", value))
        for key in value:
            if key not in keys:
                raise self.fail(_unknown(key))
        for key in keys:
            if key not in value:
                raise self.fail(_missing(key))
        return value

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise self.fail(_wrong_type(f"項目 {field!r}", "文字列", value))
        if not value.strip():
            raise self.fail(_empty(field))
        return value

    def integer(self, value: Any, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(_wrong_type(f"項目 {field!r}", "整数", value))
        return value

    def sequence(self, value: Any, field: str, *, allow_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(_wrong_type(f"項目 {field!r}", "リスト", value))
        if not allow_empty and not value:
            raise self.fail(_empty(field))
        return value


def load_edition(path: pathlib.Path) -> Edition:
    """Read and validate one catalogue file; raise ``CatalogueError`` on the first problem."""
    path = pathlib.Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _Checker(path.name).fail(_unreadable(exc)) from exc
    return edition_from_dict(raw, source=path.name)


def _unreadable(exc: Exception) -> str:
    """Why a file cannot be read, in Japanese: the position, not the (English) library text,
    which stays on the chained exception for the log."""
    if isinstance(exc, UnicodeDecodeError):
        return f"ファイルをUTF-8として読み取れません（{exc.start + 1}バイト目）"
    if isinstance(exc, yaml.reader.ReaderError):
        return f"ファイルをYAMLとして読み取れません（{exc.position + 1}文字目に使えない文字があります）"
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None)
        where = f"（{mark.line + 1}行{mark.column + 1}列）" if mark is not None else ""
        return f"ファイルをYAMLとして読み取れません{where}"
    return f"ファイルを読み取れません（{type(exc).__name__}）"


def edition_from_dict(raw: Any, *, source: str, item_count: int | None = ITEM_COUNT) -> Edition:
    """Validate an edition document (the shape ``edition_to_dict`` produces) into an ``Edition``.

    ``item_count`` fixes how many items it must hold (44 for the FISC 解説書); a revised
    edition published later (``item_count=None``) may add or remove items, as long as
    the numbers ascend and every item lies in its category's range."""
    check = _Checker(source)
    doc = check.mapping(raw, _TOP_KEYS, "版の文書")
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
        row = at.mapping(row, _CATEGORY_KEYS, "区分")
        chapter = at.integer(row["chapter"], "chapter")
        at = check.at(f"区分{chapter}")
        name = at.text(row["name"], "name")
        purpose = at.text(row["purpose"], "purpose")
        numbers = at.sequence(row["numbers"], "numbers")
        if len(numbers) != 2:
            raise at.fail(f"項目 'numbers' は [最初の通番, 最後の通番] で指定してください（指定値: {numbers!r}）")
        first = at.integer(numbers[0], "numbers")
        last = at.integer(numbers[1], "numbers")
        if first > last:
            raise at.fail(f"項目 'numbers' の範囲 [{first}, {last}] が空です")
        if any(c.chapter == chapter for c in categories):
            raise at.fail("項目 'chapter' は前の区分で使われています")
        if any(c.name == name for c in categories):
            raise at.fail(f"項目 'name' の {name!r} は前の区分で使われています")
        categories.append(Category(chapter=chapter, name=name, purpose=purpose, numbers=(first, last)))

    expected = 1
    covered = max(c.numbers[1] for c in categories)
    for category in sorted(categories, key=lambda c: c.numbers[0]):
        first, last = category.numbers
        if first != expected:
            raise check.at(f"区分{category.chapter}").fail(
                f"項目 'numbers' は{expected}から始めてください（指定値: {first}。各区分の範囲で"
                f"1〜{item_count or covered}を隙間も重なりもなく覆います）"
            )
        expected = last + 1
    if item_count is not None and expected != item_count + 1:
        raise check.fail(f"項目 'categories' の範囲は1〜{expected - 1}です（1〜{item_count}が必要です）")
    return tuple(categories)


def _items(
    check: _Checker, value: Any, categories: tuple[Category, ...], item_count: int | None
) -> tuple[CheckItem, ...]:
    rows = check.sequence(value, "items", allow_empty=False)
    if item_count is not None and len(rows) != item_count:
        raise check.fail(f"項目 'items' には{item_count}項目が必要です（{len(rows)}項目）")
    last_number = max(c.numbers[1] for c in categories)
    items: list[CheckItem] = []
    seen: set[int] = set()
    for position, row in enumerate(rows, start=1):
        at = check.at(f"items[{position}]")
        if not isinstance(row, dict):
            raise at.fail(_wrong_type("チェック項目", "マッピング", row))
        if "number" not in row:
            raise at.fail(_missing("number"))
        number = at.integer(row["number"], "number")
        at = check.at(f"通番{number}")
        row = at.mapping(row, _ITEM_KEYS, "チェック項目")
        if number in seen:
            raise at.fail("項目 'number' が前の項目と重複しています")
        if item_count is not None and number != position:
            raise at.fail(f"項目 'number' が順番どおりではありません（この位置は通番{position}です）")
        if item_count is None and (number <= max(seen, default=0) or not 1 <= number <= last_number):
            raise at.fail(f"項目 'number' は1〜{last_number}の範囲で昇順に並べてください")
        seen.add(number)
        items.append(_item(at, number, row, categories))
    return tuple(items)


def _item(at: _Checker, number: int, row: Mapping[str, Any], categories: tuple[Category, ...]) -> CheckItem:
    chapter = at.integer(row["chapter"], "chapter")
    category_name = at.text(row["category"], "category")
    home = next(c for c in categories if c.numbers[0] <= number <= c.numbers[1])
    if chapter != home.chapter:
        raise at.fail(f"項目 'chapter' が{chapter}ですが、この通番は区分{home.chapter}に属します")
    if category_name != home.name:
        raise at.fail(f"項目 'category' が{category_name!r}ですが、区分{home.chapter}は{home.name!r}です")

    party = at.text(row["party"], "party")
    if party not in _PARTIES:
        raise at.fail(f"項目 'party' は {'、'.join(_PARTIES)} のいずれかです（指定値: {party!r}）")

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
        raise at.fail(_wrong_type(f"項目 {field!r}", "マッピング", value))
    for key in value:
        if key not in keys:
            raise at.fail(_unknown(f"{field}.{key}"))
    for key in keys:
        if key not in value:
            raise at.fail(_missing(f"{field}.{key}"))
    return {key: at.text(value[key], f"{field}.{key}") for key in keys}


def _glossary(check: _Checker, value: Any) -> tuple[GlossaryTerm, ...]:
    terms: list[GlossaryTerm] = []
    for index, row in enumerate(check.sequence(value, "glossary"), start=1):
        at = check.at(f"glossary[{index}]")
        row = at.mapping(row, _GLOSSARY_KEYS, "用語")
        terms.append(
            GlossaryTerm(
                term=at.text(row["term"], "term"),
                pages=at.text(row["pages"], "pages"),
                description=at.text(row["description"], "description"),
            )
        )
    return tuple(terms)
