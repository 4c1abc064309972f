"""PageRows: a page's rows read once, changed in memory, written back in bulk."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, delete, select

from service.projections.page_rows import PageRows

metadata = MetaData()
cells = Table(
    "cells",
    metadata,
    Column("engagement_id", String(36), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("value", String(20)),
)


@pytest.fixture
def engine():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(cells.insert(), [
            {"engagement_id": "a", "number": 1, "value": "a1"},
            {"engagement_id": "a", "number": 2, "value": "a2"},
            {"engagement_id": "b", "number": 1, "value": "b1"},
        ])
    return engine


def stored(engine) -> list[tuple]:
    with engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(select(cells)))


def test_changes_of_a_page_reach_the_table_and_untouched_rows_stay(engine):
    rows = PageRows(cells)
    with engine.begin() as connection:
        rows.start(connection, ["a", "c"])
        assert sorted(r["number"] for r in rows.rows("a")) == [1, 2] and rows.rows("c") == []
        rows.update(rows.get("a", 1), value="changed")
        rows.remove(rows.get("a", 2))
        rows.put({"engagement_id": "c", "number": 7, "value": "new"})
        rows.put({"engagement_id": "c", "number": 7, "value": "replaced"})
        rows.update(None, value="ignored")  # no such row: nothing to change
        rows.flush(connection)
    assert stored(engine) == [("a", 1, "changed"), ("b", 1, "b1"), ("c", 7, "replaced")]


def test_a_group_not_loaded_for_the_page_is_a_bug_not_an_empty_result(engine):
    rows = PageRows(cells)
    with engine.begin() as connection:
        rows.start(connection, ["a"])
        with pytest.raises(KeyError):
            rows.get("b", 1)
        rows.flush(connection)
        rows.start(connection, ["b"])  # a new page forgets the previous one
        with pytest.raises(KeyError):
            rows.rows("a")


def test_the_group_must_be_part_of_the_key():
    with pytest.raises(ValueError, match="primary key"):
        PageRows(cells, group="value")


def test_writing_back_searches_the_key_index_instead_of_scanning_the_table(engine):
    """SQLite scans the whole table for a bare row-value IN list: at national scale that was
    a scan of the item matrix per command."""
    rows = PageRows(cells)
    statement = delete(cells).where(rows._key_in([("a", 1), ("b", 2)]))
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        plan = " ".join(str(step[-1]) for step in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "SEARCH cells USING" in plan and "SCAN cells" not in plan
