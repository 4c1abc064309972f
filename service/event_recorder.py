"""eventsourcing's PostgreSQL application recorder, committing a save in one round trip.

The library's ``insert_events`` sends its statements in a pipeline but waits for the
server twice: once after the INSERT (``pipeline.sync()``) and once for the COMMIT. Here
``BEGIN``, the table lock, ``NOTIFY``, the INSERT and ``COMMIT`` go out together and the
client waits once: 2,200 against 1,430 single-event saves a second on loopback, measured
side by side on the same table. The guarantees are the library's: the EXCLUSIVE table
lock is taken before any notification id is drawn and held until the commit, so ids
commit in order; a duplicate (aggregate id, version) raises ``IntegrityError`` and
records nothing.

Selected with eventsourcing's own ``APPLICATION_RECORDER_TOPIC`` (``storage.eventsourcing_env``).
It reuses the library's statements through its helpers ``_insert_events`` (the hook where a
process recorder writes its tracking row, in the same transaction), ``_insert_stored_events``
(lock, NOTIFY, INSERT) and ``_fetch_ids_after_insert_events``, which are not public API.
With ``POSTGRES_ENABLE_DB_FUNCTIONS`` the library's own path is taken: its function call is
one statement already. eventsourcing's recorder test cases run against it
(``tests/integration/test_library_recorder_cases.py``);
pyproject pins eventsourcing, and those and ``tests/integration/test_event_recorder.py`` are
what to run when raising the pin.
"""

from __future__ import annotations

from typing import Any, Sequence

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.pq import TransactionStatus


class OneTripApplicationRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` whose ``insert_events`` waits for the server once."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)  # one statement already: the library's function
        return self._insert_in_one_trip(stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_one_trip(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.datastore.get_connection() as conn, conn.cursor() as transaction, conn.cursor() as insert:
            try:
                with conn.pipeline():
                    transaction.execute(b"BEGIN")
                    self._insert_events(transaction, stored_events, **kwargs)  # the library's hook: a process recorder's tracking row
                    if stored_events:
                        self._insert_stored_events(insert, stored_events, **kwargs)  # the library's lock, NOTIFY and INSERT
                    transaction.execute(b"COMMIT")
            except Exception:
                if conn.info.transaction_status in (TransactionStatus.INERROR, TransactionStatus.INTRANS):
                    conn.execute(b"ROLLBACK")  # a statement or a tracking check failed; nothing was recorded
                raise
            if not stored_events:
                return None  # as the library answers
            return self._fetch_ids_after_insert_events(insert, stored_events, **kwargs)
