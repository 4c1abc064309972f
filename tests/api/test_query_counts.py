"""The SQL behind a page: no N+1 (statements do not grow with rows), and reads outside transactions."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import event

from tests.web.test_page_security import log_in


@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def open_engagements(container, people, count: int) -> list[str]:
    ids = []
    for i in range(count):
        engagement = container.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title=f"案件{i}")
        container.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="済")
        ids.append(str(engagement.id))
    return ids


def test_board_inbox_and_timeline_queries_do_not_grow_with_rows(app, callers, people):
    container = app.extensions["container"]
    engine = container.engine
    ids = open_engagements(container, people, 3)
    page = app.test_client()
    log_in(page, "reviewer@bank.example")
    measured = {}
    for label in ("few", "many"):
        with counting(engine) as board_api:
            assert callers.reviewer.get("/engagements", query_string={"limit": 50}).status_code == 200
        with counting(engine) as inbox:
            assert callers.connector.get("/inbox").status_code == 200
        with counting(engine) as timeline:
            assert callers.auditor.get(f"/engagements/{ids[0]}/timeline").status_code == 200
        with counting(engine) as board_page:
            assert page.get("/").status_code == 200
        measured[label] = (len(board_api), len(inbox), len(timeline), len(board_page))
        ids += open_engagements(container, people, 12)
        container.review.save_answer(people.connector, ids[0], 2, status="implemented", current_state="追加")
    assert measured["few"] == measured["many"], measured


def in_transaction(dbapi_connection) -> bool:
    """Whether a statement on this connection runs inside a transaction the driver opened."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        return dbapi_connection.in_transaction  # pysqlite begins one only before a write
    return not dbapi_connection.autocommit  # psycopg sends BEGIN before the first statement otherwise


def test_page_views_read_outside_transactions(app, people):
    """A read costs its SELECT only: no BEGIN and ROLLBACK round trips around it on PostgreSQL."""
    container = app.extensions["container"]
    engagement_id = open_engagements(container, people, 1)[0]
    page = app.test_client()
    log_in(page, "reviewer@bank.example")
    assert page.get(f"/engagements/{engagement_id}").status_code == 200  # rendered and kept
    seen: list[tuple[str, bool]] = []

    def record(conn, _cursor, statement, *_args):
        seen.append((statement.split()[0], in_transaction(conn.connection.dbapi_connection)))

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        for path in ("/", f"/engagements/{engagement_id}"):
            assert page.get(path).status_code == 200
    finally:
        event.remove(container.engine, "before_cursor_execute", record)
    assert seen and all(kind == "SELECT" for kind, _ in seen), seen
    assert not any(transaction for _, transaction in seen), seen
