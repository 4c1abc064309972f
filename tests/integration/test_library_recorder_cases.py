"""eventsourcing's own recorder test cases, run against the recorders the service's stores build.

The library ships ``ApplicationRecorderTestCase`` and ``ProcessRecorderTestCase`` for anyone
who writes a recorder. Each store's recorder is built the way the service builds it
(``storage.eventsourcing_env``): on PostgreSQL that is ``OneTripApplicationRecorder``, and a
process recorder built on it (the library's tracking row goes in the same round trip); on
SQLite the library's own recorders with the service's settings.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg
import pytest
from psycopg.sql import SQL, Identifier
from eventsourcing.persistence import InfrastructureFactory, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresProcessRecorder
from eventsourcing.tests.persistence import ApplicationRecorderTestCase, ProcessRecorderTestCase
from eventsourcing.utils import get_topic

from service.config import Settings
from service.event_recorder import OneTripApplicationRecorder
from service.storage import eventsourcing_env
from tests.conftest import POSTGRES_URL


class OneTripProcessRecorder(OneTripApplicationRecorder, PostgresProcessRecorder):
    """A process recorder built on the one-trip recorder, as eventsourcing composes its own."""


def join_threads_started_since(before: set[threading.Thread]) -> None:
    """The library's concurrency case sets its readers' stop flag without joining them; closing
    the pool while one is still reading crashes sqlite3 (it frees a connection in use)."""
    for thread in set(threading.enumerate()) - before:
        thread.join(10)


class SQLiteStore:
    """A fresh SQLite file per test, configured as the service configures it."""

    __test__ = True  # the cases below are collected only with a store

    def setUp(self) -> None:
        self.threads = set(threading.enumerate())
        self.directory = TemporaryDirectory()
        settings = Settings(database_url=f"sqlite:///{Path(self.directory.name) / 'app.db'}", secret_key="test")
        self.factory = InfrastructureFactory.construct({**eventsourcing_env(settings), "CREATE_TABLE": "yes"})
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        join_threads_started_since(self.threads)
        self.factory.close()
        self.directory.cleanup()


@pytest.mark.postgres
class PostgresStore:
    """A fresh schema per test, configured as the service configures it."""

    __test__ = True
    db_functions = False

    def setUp(self) -> None:
        self.threads = set(threading.enumerate())
        self.schema = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{self.schema}"')
        settings = Settings(database_url=POSTGRES_URL, database_schema=self.schema, secret_key="test")
        env = {
            **eventsourcing_env(settings),
            "CREATE_TABLE": "yes",
            "PROCESS_RECORDER_TOPIC": get_topic(OneTripProcessRecorder),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "yes" if self.db_functions else "no",
        }
        self.factory = InfrastructureFactory.construct(env)
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        self.factory.close()  # before joining: the connection pool's workers stop on close
        join_threads_started_since(self.threads)
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


class ApplicationRecorderCases(ApplicationRecorderTestCase):
    __test__ = False

    def create_recorder(self):  # noqa: ANN201 - the library's signature
        return self.factory.application_recorder()


class ProcessRecorderCases(ProcessRecorderTestCase):
    __test__ = False

    def create_recorder(self):  # noqa: ANN201 - the library's signature
        return self.factory.process_recorder()


class TestSQLiteApplicationRecorder(SQLiteStore, ApplicationRecorderCases):
    pass


class TestSQLiteProcessRecorder(SQLiteStore, ProcessRecorderCases):
    pass


class TestPostgresApplicationRecorder(PostgresStore, ApplicationRecorderCases):
    def test_the_service_records_through_the_one_trip_recorder(self) -> None:
        self.assertIs(type(self.create_recorder()), OneTripApplicationRecorder)

    def test_insert_subscribe(self) -> None:
        """Optional in the library's cases (SQLite's recorder has no subscriptions); its PostgreSQL suite runs it."""
        self.optional_test_insert_subscribe()

    def test_inserting_nothing_answers_as_the_library_does(self) -> None:
        """None from the pipelined path, [] from the database function's (the library's answers)."""
        recorder = self.create_recorder()
        library = PostgresApplicationRecorder(recorder.datastore, events_table_name=recorder.events_table_name)
        self.assertEqual(recorder.insert_events([]), library.insert_events([]))
        self.assertEqual(recorder.insert_events([]), [] if self.db_functions else None)


class TestPostgresProcessRecorder(PostgresStore, ProcessRecorderCases):
    def test_built_on_the_one_trip_recorder(self) -> None:
        self.assertIs(type(self.create_recorder()), OneTripProcessRecorder)


class TestPostgresApplicationRecorderWithDbFunctions(TestPostgresApplicationRecorder):
    db_functions = True

    def test_saves_go_through_the_library_database_function(self) -> None:
        recorder = self.create_recorder()
        function = SQL("DROP FUNCTION {}.{}").format(
            Identifier(self.schema), Identifier(recorder.pg_function_name_insert_events)
        )
        with recorder.datastore.get_connection() as connection:
            connection.execute(function)
        stored = StoredEvent(originator_id=uuid.uuid4(), originator_version=1, topic="topic", state=b"{}")
        with self.assertRaises(ProgrammingError):
            recorder.insert_events([stored])
