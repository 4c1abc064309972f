"""The one composition root: everything the entry points need, built from settings."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .accounts import Accounts
from .auth.authenticator import Authenticator
from .auth.totp import SecondFactor
from .config import Settings
from .editions import Editions
from .health import Health
from .mailer import Mailer, Postman
from .projections import ProjectionRunner, all_projections
from .storage import SQLITE_LOCK_TIMEOUT_SECONDS, Base, eventsourcing_env, make_engine, reading, schema_lock
from .blobs import BlobStore
from .change_report_views import ChangeReportViews
from .logs import configure_logging
from .security_log import SecurityLog
from .tailoring import TailoringTemplates
from .usecases.advisories import Advisories
from .usecases.change_reports import ChangeReports
from .usecases.engagements import Engagements
from .usecases.files import Files
from .usecases.library import Libraries
from .usecases.ports import Clock, utc_now
from .usecases.review import Review
from .usecases.store import ReviewStore
from .usecases.tailoring import Tailoring
from .views import AdvisoryViews, LibraryViews, Views

@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    accounts: Accounts
    editions: Editions
    store: ReviewStore
    projections: ProjectionRunner
    engagements: Engagements
    review: Review
    tailoring: Tailoring
    change_reports: ChangeReports
    change_report_views: ChangeReportViews
    library: Libraries
    advisories: Advisories
    files: Files
    views: Views
    advisory_views: AdvisoryViews
    library_views: LibraryViews
    authenticator: Authenticator
    second_factor: SecondFactor
    security_log: SecurityLog
    health: Health
    mailer: Mailer

    def init(self) -> list[str]:
        """Create the schema (idempotent), load bundled editions not loaded yet and
        bring the read models up to date."""
        with schema_lock(self.engine):
            self.store.recorder.create_table()
            if self.store.snapshots is not None:
                self.store.snapshots.recorder.create_table()
            Base.metadata.create_all(self.engine)
            loaded = self.editions.load_bundled()
            self.projections.upgrade()  # under the lock: one process rebuilds, the others find it done
        self.projections.catch_up()
        return loaded

    def close(self) -> None:
        self.store.close()
        self.engine.dispose()


def _event_store(settings: Settings, timeline: Views, clock: Clock) -> ReviewStore:
    store = ReviewStore(eventsourcing_env(settings), timeline=timeline, timezone=settings.timezone, clock=clock)
    if settings.is_sqlite:
        # eventsourcing 9.5.6 gives SQLite writers 5 s to get the single writer connection and
        # reads no setting for it; under bursts of concurrent writes wait as long as SQLite does
        store.factory.datastore.pool.pool_timeout = SQLITE_LOCK_TIMEOUT_SECONDS
    return store


def bootstrap(settings: Settings | None = None, *, clock: Clock = utc_now) -> Container:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_format)
    engine = make_engine(settings)
    sessions = sessionmaker(engine, expire_on_commit=False)
    reads = reading(engine)
    security_log = SecurityLog(sessions)
    accounts = Accounts(
        sessions,
        PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib),
        security_log,
    )
    editions = Editions(sessions, reads)
    templates = TailoringTemplates(sessions, reads)
    health = Health(engine)
    views = Views(reads, settings.timezone)
    library_views = LibraryViews(reads)
    change_report_views = ChangeReportViews(reads)
    store = _event_store(settings, views, clock)
    projections = ProjectionRunner(engine, store.recorder, store.mapper, all_projections())
    read_your_writes = projections.catch_up_quietly if settings.project_synchronously else None
    blobs = BlobStore(settings.blob_dir)
    second_factor = SecondFactor(sessions, settings.secret_key, clock, security_log)
    authenticator = Authenticator(
        sessions,
        reads,
        accounts,
        second_factor,
        settings.secret_key,
        clock,
        security_log,
        mfa_required_roles=settings.mfa_required_roles,
    )
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        accounts=accounts,
        editions=editions,
        store=store,
        projections=projections,
        engagements=Engagements(store, accounts=accounts, editions=editions, templates=templates, read_your_writes=read_your_writes),
        tailoring=Tailoring(store, templates=templates, editions=editions, read_your_writes=read_your_writes),
        change_reports=ChangeReports(
            store, accounts=accounts, editions=editions, index=change_report_views, read_your_writes=read_your_writes
        ),
        change_report_views=change_report_views,
        review=Review(store, read_your_writes=read_your_writes),
        library=Libraries(store, accounts=accounts, blobs=blobs, index=library_views, export_log=security_log, read_your_writes=read_your_writes),
        advisories=Advisories(store, editions=editions, read_your_writes=read_your_writes),
        files=Files(store, editions=editions, blobs=blobs, export_log=security_log, read_your_writes=read_your_writes),
        views=views,
        advisory_views=AdvisoryViews(reads, health),
        library_views=library_views,
        authenticator=authenticator,
        second_factor=second_factor,
        security_log=security_log,
        health=health,
        mailer=Mailer(engine, Postman(settings.smtp_url, settings.base_url, settings.timezone)),
    )
