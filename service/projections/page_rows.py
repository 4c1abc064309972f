"""Rows of one read-model table held in memory for one page of events.

A page of notifications touches a handful of aggregates many times over (a
review writes dozens of answers, judgements and replies in a row). Instead of
one UPDATE per event, a projection reads the rows of the page's aggregates in
one SELECT, lets its handlers change them as dictionaries, and writes back only
the rows that changed: one DELETE of their stored versions and one multi-row
INSERT, inside the page's transaction. The result is the same as applying each
event with its own statement; the number of round trips no longer grows with
the number of events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, select, tuple_

from ..storage import insert_rows

__all__ = ["CHUNK", "PageRows", "chunked", "insert_rows"]

CHUNK = 500  # values per IN list

Row = dict[str, Any]
Key = tuple[Any, ...]


def chunked(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


class PageRows:
    """One table's rows for the groups (aggregates) of the current page.

    ``group`` names the column that says which aggregate a row belongs to; it must
    be part of the primary key. Only groups named in ``start`` can be read or
    written; a handler that asks for another group gets a ``KeyError`` (a bug in
    the projection, never silently an empty result)."""

    def __init__(self, table: Table, group: str = "engagement_id") -> None:
        self.table = table
        self.group = group
        self.key_columns = tuple(table.primary_key.columns)
        names = [column.name for column in self.key_columns]
        if group not in names:
            raise ValueError(f"{table.name}: the group column {group!r} is not part of the primary key {names}")
        self._group_index = names.index(group)
        self._reset()

    def _reset(self) -> None:
        self._groups: dict[Any, dict[Key, Row]] = {}
        self._stored: set[Key] = set()  # keys whose rows are in the database as read
        self._touched: set[Key] = set()  # keys to write back (delete the stored row, insert the current one)

    def _key(self, row: Row) -> Key:
        return tuple(row[column.name] for column in self.key_columns)

    def start(self, connection: Connection, groups: Iterable[Any]) -> None:
        """Forget the previous page and read the rows of ``groups``."""
        self._reset()
        wanted = sorted(set(groups))
        for group in wanted:
            self._groups[group] = {}
        column = self.table.c[self.group]
        for chunk in chunked(wanted):
            for stored in connection.execute(select(self.table).where(column.in_(chunk))).mappings():
                row = dict(stored)
                key = self._key(row)
                self._groups[row[self.group]][key] = row
                self._stored.add(key)

    def rows(self, group: Any) -> list[Row]:
        return list(self._groups[group].values())

    def get(self, *key: Any) -> Row | None:
        return self._groups[key[self._group_index]].get(tuple(key))

    def put(self, values: Row) -> Row:
        """Insert a row, or replace the row with the same key."""
        row = {column.name: values.get(column.name) for column in self.table.columns}
        key = self._key(row)
        self._groups[row[self.group]][key] = row
        self._touched.add(key)
        return row

    def update(self, row: Row | None, **values: Any) -> None:
        """Change columns of a row read or put in this page (``None``: no such row, nothing to change)."""
        if row is None:
            return
        row.update(values)
        self._touched.add(self._key(row))

    def remove(self, row: Row) -> None:
        key = self._key(row)
        del self._groups[row[self.group]][key]
        self._touched.add(key)

    def flush(self, connection: Connection) -> None:
        """Write the changed rows back: one DELETE per chunk of stored keys, one multi-row INSERT."""
        stale = [key for key in self._touched if key in self._stored]
        for chunk in chunked(stale):
            connection.execute(delete(self.table).where(self._key_in(chunk)))
        insert_rows(connection, self.table, [row for key in self._touched if (row := self._groups[key[self._group_index]].get(key)) is not None])
        self._reset()

    def _key_in(self, keys: Sequence[Key]) -> Any:
        if len(self.key_columns) == 1:
            return self.key_columns[0].in_([key[0] for key in keys])
        # SQLite scans the whole table for a row-value IN list; the group column first lets
        # it (and PostgreSQL) search the primary key's index, the tuple then picks the rows
        groups = sorted({key[self._group_index] for key in keys})
        return and_(self.table.c[self.group].in_(groups), tuple_(*self.key_columns).in_(keys))
