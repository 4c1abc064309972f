"""The one composition root: everything the entry points need, built from settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .accounts import Accounts
from .application import Clock, ReviewApplication, utc_now
from .config import Settings
from .editions import Editions
from .storage import Base, eventsourcing_env, make_engine


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    accounts: Accounts
    editions: Editions
    reviews: ReviewApplication

    def init(self) -> list[str]:
        """Create the schema (idempotent) and load bundled editions not loaded yet."""
        Base.metadata.create_all(self.engine)
        return self.editions.load_bundled()

    def close(self) -> None:
        self.reviews.close()
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock = utc_now) -> Container:
    settings = settings or Settings.from_env()
    engine = make_engine(settings)
    sessions = sessionmaker(engine, expire_on_commit=False)
    accounts = Accounts(sessions)
    editions = Editions(sessions)
    reviews = ReviewApplication(
        eventsourcing_env(settings),
        accounts=accounts,
        editions=editions,
        timezone=settings.timezone,
        clock=clock,
    )
    return Container(settings, engine, sessions, accounts, editions, reviews)
