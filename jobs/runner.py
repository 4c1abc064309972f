"""The one shape of a scheduled job, and the loop most of them run, written once.

A job is called with the container and the business day and answers what it did (JSON).
``EachDue`` is the loop: the read side selects what may be due (it can be behind the
store), each subject is loaded from the store, the domain decides what is still due on it,
the command runs for each, and a conflict with a concurrent run counts as skipped. That is
what makes every job idempotent: a rerun, an overlapping run or a catch-up after an outage
finds done what was done and does the rest once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Iterable

from service.bootstrap import Container
from service.domain.errors import StaleVersion


class Job(ABC):
    """A scheduled job; ``id`` is fixed (the clock's job store and ``python -m jobs run`` name it)."""

    id: ClassVar[str]

    @abstractmethod
    def __call__(self, container: Container, today: date) -> dict[str, Any]:
        """Do what is due on ``today``: exactly what one timely run would, however often called."""


@dataclass
class Tally:
    """What one run of an ``EachDue`` loop did."""

    done: list[tuple[Any, Any, Any]] = field(default_factory=list)  # (candidate, work, what its command answered)
    behind: int = 0  # selected, but nothing was due once loaded: the read model was behind the store
    lost: int = 0  # a concurrent run got there first
    refused: list[Any] = field(default_factory=list)  # candidates whose command the domain refused (``refusals``)


class EachDue(Job):
    """Select what may be due, load it, let the domain decide, run the command for each due work."""

    conflicts: ClassVar[tuple[type[Exception], ...]] = (StaleVersion,)  # a concurrent run won: skipped
    refusals: ClassVar[tuple[type[Exception], ...]] = ()  # left for a person: reported by candidate

    @abstractmethod
    def select(self, container: Container, today: date) -> Iterable[Any]:
        """The candidates from the read side (a pre-filter: the domain decides on each)."""

    def load(self, container: Container, candidate: Any) -> Any:
        """The subject as the store has it (by default the candidate is the subject)."""
        return candidate

    def due(self, container: Container, subject: Any, today: date) -> list[Any]:
        """The works due on the loaded subject (by default the subject is the one work)."""
        return [subject]

    @abstractmethod
    def command(self, container: Container, subject: Any, work: Any) -> Any:
        """Do one work on the subject (its domain guards refuse what was done already)."""

    @abstractmethod
    def report(self, tally: Tally) -> dict[str, Any]:
        """What the run answers, from its tally."""

    def __call__(self, container: Container, today: date) -> dict[str, Any]:
        tally = Tally()
        for candidate in self.select(container, today):
            subject = self.load(container, candidate)
            works = self.due(container, subject, today)
            if not works:
                tally.behind += 1
            for index, work in enumerate(works):
                if index:  # the previous command changed the subject: load it again and re-check
                    subject = self.load(container, candidate)
                    if work not in self.due(container, subject, today):
                        continue
                try:
                    tally.done.append((candidate, work, self.command(container, subject, work)))
                except self.refusals:
                    tally.refused.append(candidate)
                except self.conflicts:
                    tally.lost += 1
        return self.report(tally)
