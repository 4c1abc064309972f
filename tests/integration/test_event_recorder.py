"""The PostgreSQL recorder that commits a save in one round trip keeps the library's guarantees."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from service.event_recorder import OneTripApplicationRecorder
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.parametrize("store", ["postgres"], indirect=True)


def stored(originator_id: uuid.UUID, version: int) -> StoredEvent:
    return StoredEvent(originator_id=originator_id, originator_version=version, topic="test:Event", state=b"{}")


def test_the_service_records_through_the_one_trip_recorder(container):
    assert type(container.store.recorder) is OneTripApplicationRecorder


def test_a_save_waits_for_the_server_once(container, monkeypatch):
    """No ``sync`` in the middle of the transaction: the statements and COMMIT go out
    together and the pipeline's end is the only wait (the library's recorder syncs after
    the INSERT, then waits again for the COMMIT)."""
    syncs = []
    sync = psycopg.Pipeline.sync
    monkeypatch.setattr(psycopg.Pipeline, "sync", lambda pipeline: syncs.append(pipeline) or sync(pipeline))
    recorder = container.store.recorder
    aggregate = uuid.uuid4()
    ids = recorder.insert_events([stored(aggregate, 1), stored(aggregate, 2), stored(aggregate, 3)])
    assert syncs == []
    assert len(ids) == 3 and ids == sorted(ids) and ids[-1] - ids[0] == 2
    assert [n.id for n in recorder.select_notifications(ids[0], 10)] == ids
    assert [e.originator_version for e in recorder.select_events(aggregate)] == [1, 2, 3]


def test_a_conflicting_save_records_nothing_and_leaves_the_connection_usable(container):
    recorder = container.store.recorder
    aggregate = uuid.uuid4()
    recorder.insert_events([stored(aggregate, 1)])
    other = uuid.uuid4()
    with pytest.raises(IntegrityError):
        recorder.insert_events([stored(other, 1), stored(aggregate, 1)])  # the second one is taken
    assert recorder.select_events(other) == []
    with recorder.datastore.get_connection() as connection:
        assert connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert len(recorder.insert_events([stored(other, 1)])) == 1


def test_a_save_waits_for_the_table_lock_so_ids_commit_in_order(container):
    """Another writer holding the events table's EXCLUSIVE lock holds the save back
    until it commits: no notification id is drawn out of commit order."""
    recorder = container.store.recorder
    table = f'"{container.settings.database_schema}"."{recorder.events_table_name}"'
    done = threading.Event()
    with psycopg.connect(POSTGRES_URL) as other_writer:
        other_writer.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        saving = threading.Thread(target=lambda: recorder.insert_events([stored(uuid.uuid4(), 1)]) and done.set())
        saving.start()
        assert not done.wait(0.5)
        other_writer.commit()
    saving.join(5)
    assert done.is_set()
