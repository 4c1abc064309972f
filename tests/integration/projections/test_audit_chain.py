"""The audit hash chain over the event log finds the first tampered event."""

from __future__ import annotations

from sqlalchemy import text

from service.projections.audit_chain import verify_chain


def test_audit_verify_finds_the_first_tampered_event(container, people):
    c = container
    engagement = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="改ざん検知")
    for number in (1, 2, 3):
        c.review.save_answer(people.connector, engagement.id, number, status="implemented", current_state="元の回答")
    result = verify_chain(container.engine, c.store.recorder)
    assert result.broken_at is None and result.checked == 4

    table = c.store.recorder.events_table_name
    with container.engine.begin() as connection:
        rows = connection.execute(text(f"SELECT originator_id, originator_version, state FROM {table}")).all()
        target = next(row for row in rows if row.originator_version == 3)
        forged = bytes(target.state).replace("元の回答".encode(), "改ざん後".encode())
        if forged == bytes(target.state):  # the text may be stored \\u-escaped
            forged = bytes(target.state).replace(b"implemented", b"partial")
        connection.execute(
            text(f"UPDATE {table} SET state = :state WHERE originator_id = :id AND originator_version = 3"),
            {"state": forged, "id": target.originator_id},
        )
    result = verify_chain(container.engine, c.store.recorder)
    assert result.broken_at == 3 and result.checked == 2
