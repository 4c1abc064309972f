"""The one composition root: everything the entry points need, built from settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .accounts import Accounts
from .application import Clock, ReviewApplication, utc_now
from .auth import Authenticator
from .config import Settings
from . import health, mailer  # noqa: F401 - register their tables for init
from .editions import Editions
from .mailer import Postman
from .projections import ProjectionRunner, all_projections
from .storage import SQLITE_LOCK_TIMEOUT_SECONDS, Base, eventsourcing_env, make_engine, reading, schema_lock
from .blobs import BlobStore
from .logs import configure_logging
from .security_log import SecurityLog
from .views import AdvisoryViews, LibraryViews, Views

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    accounts: Accounts
    editions: Editions
    reviews: ReviewApplication
    projections: ProjectionRunner
    views: Views
    authenticator: Authenticator
    advisories: AdvisoryViews
    libraries: LibraryViews
    security_log: SecurityLog
    postman: Postman

    def init(self) -> list[str]:
        """Create the schema (idempotent), load bundled editions not loaded yet and
        bring the read models up to date."""
        with schema_lock(self.engine):
            self.reviews.recorder.create_table()
            if self.reviews.snapshots is not None:
                self.reviews.snapshots.recorder.create_table()
            Base.metadata.create_all(self.engine)
            loaded = self.editions.load_bundled()
            self.projections.upgrade()  # under the lock: one process rebuilds, the others find it done
        self.projections.catch_up()
        return loaded

    def catch_up_quietly(self) -> None:
        """Read-your-writes after a command; a failure is logged and left to the projector."""
        try:
            self.projections.catch_up()
        except Exception:
            log.exception("projection catch-up failed; the projector process will retry")

    def close(self) -> None:
        self.reviews.close()
        self.engine.dispose()


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
    reviews = ReviewApplication(
        eventsourcing_env(settings),
        accounts=accounts,
        editions=editions,
        blobs=BlobStore(settings.blob_dir),
        timezone=settings.timezone,
        clock=clock,
    )
    if settings.is_sqlite:
        # eventsourcing 9.5.6 gives SQLite writers 5 s to get the single writer connection and
        # reads no setting for it; under bursts of concurrent writes wait as long as SQLite does
        reviews.factory.datastore.pool.pool_timeout = SQLITE_LOCK_TIMEOUT_SECONDS
    projections = ProjectionRunner(engine, reviews.recorder, reviews.mapper, all_projections())
    views = Views(reads, settings.timezone)
    reviews.timeline_index = views
    libraries = LibraryViews(reads)
    reviews.library_index = libraries
    reviews.security_log = security_log
    authenticator = Authenticator(
        sessions,
        reads,
        accounts,
        settings.secret_key,
        clock,
        security_log,
        mfa_required_roles=settings.mfa_required_roles,
    )
    postman = Postman(settings.smtp_url, settings.base_url, settings.timezone)
    container = Container(
        settings, engine, sessions, accounts, editions, reviews, projections, views, authenticator, AdvisoryViews(reads), libraries, security_log, postman
    )
    if settings.project_synchronously:
        reviews.after_save.append(container.catch_up_quietly)
    return container
