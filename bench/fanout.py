"""A change report fanning out: one connector's report reaching N engagements in monitoring
(issue 20: 1,000 in ≤ 10 s), beside the bare cost of N saves of one event each."""

from __future__ import annotations

import random
import time
from typing import Any

from service.bootstrap import Container

from .dataset import Dataset, EngagementInfo, Loader
from .measures import BareApplication, Note
from .report import Row, StoreResult, ratio, verdict

FANOUT_TARGET = "≤ 10 s for 1,000 engagements"
REPORTED_ITEMS = [10, 11]  # a new cloud provider: 外部委託 and its monitoring


def measure_change_report(container: Container, dataset: Dataset, bare_env: dict[str, str], count: int, result: StoreResult) -> None:
    """Plays ``count`` monitoring engagements for the dataset's first connector (its other
    engagements stay as they are), then times the report through the use case."""
    rng = random.Random(20)
    loader = Loader(container, dataset, rng)
    connector = 0
    started = time.perf_counter()
    for index in range(count):
        info = EngagementInfo(id="", story="monitoring", bank=index % len(dataset.banks), connector=connector)
        loader.play(info)
    loader.flush()
    container.projections.catch_up()  # the board tells the use case which engagements are the connector's
    built = time.perf_counter() - started
    staff = dataset.connectors[connector].staff

    started = time.perf_counter()
    report = container.change_reports.report_change(
        staff, items=REPORTED_ITEMS, summary="クラウド事業者を変更します（ベンチ）。", effective_on="2027-04-01"
    )
    seconds = time.perf_counter() - started
    reached = len(report.reopened)

    bare = BareApplication(env=bare_env)
    notes = [Note() for _ in range(reached)]
    bare.save(*notes)
    started = time.perf_counter()
    for note in notes:
        aggregate: Any = bare.repository.get(note.id)
        aggregate.note("変更")
        bare.save(aggregate)
    bare_seconds = time.perf_counter() - started
    bare.close()

    result.rows.append(
        Row(
            f"change report fan-out s: c.change_reports.report_change reaching {reached:,} engagements in monitoring "
            f"(one save of {reached + 1:,} aggregates; {len(report.not_reopened)} others not reopened)",
            f"{seconds:.2f} s",
            f"{bare_seconds:.2f} s",
            f"bare eventsourcing: {reached:,} × (repository.get + one @event + save) of trivial aggregates, same store kind",
            ratio(seconds, bare_seconds),
            FANOUT_TARGET,
            verdict(seconds <= 10 * max(reached, 1) / 1000),
        )
    )
    result.notes.append(f"fan-out: {count:,} monitoring engagements for one connector played in {built:.1f} s before the report")
