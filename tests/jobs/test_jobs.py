"""Every job through its real entry point, ``python -m jobs run JOB --today``, on both
stores: a timely run, a double run, overlapping runs and a catch-up after an outage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest


def run_job(store, job: str, today: date) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "jobs", "run", job, "--today", today.isoformat()],
        capture_output=True,
        text=True,
        env={**os.environ, **store.env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_jobs(store, job: str, today: date, count: int) -> list[dict]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "jobs", "run", job, "--today", today.isoformat()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **store.env},
        )
        for _ in range(count)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def approved_engagement(container, people, title: str, next_review_on: date | None = None):
    c = container
    engagement = c.engagements.open_engagement(
        people.reviewer,
        connector_org_id=people.connector.org_id,
        title=title,
        dropped_items=[{"number": n, "reason": "対象外"} for n in range(2, 45)],
    )
    c.review.save_answer(people.connector, engagement.id, 1, status="implemented", current_state="済")
    c.review.submit(people.connector, engagement.id)
    c.review.judge_item(people.reviewer, engagement.id, 1, verdict="satisfied")
    return c.review.decide(people.reviewer, engagement.id, outcome="approved", comment="承認", next_review_on=next_review_on)


def test_annual_monitoring_starts_each_due_cycle_exactly_once(container, people, store):
    engagement = approved_engagement(container, people, "年次対象")
    due = date.fromisoformat(engagement.next_review_on)

    assert run_job(store, "annual_monitoring", due - timedelta(days=1))["started"] == 0
    assert run_job(store, "annual_monitoring", due)["started"] == 1
    assert run_job(store, "annual_monitoring", due)["started"] == 0  # a double run does nothing more
    reloaded = container.store.engagement(people.reviewer, engagement.id)
    assert (reloaded.state, reloaded.cycle["number"], reloaded.cycle["reason"]) == ("draft", 2, "annual")
    assert reloaded.cycle["started_by"]["name"] == "システム"
    kinds = [entry["kind"] for entry in container.views.inbox(people.connector, due)]
    assert "answers_due" in kinds


def test_annual_monitoring_catches_up_after_an_outage_and_overlapping_runs_start_one_cycle(container, people, store):
    today = container.store.today()
    late = approved_engagement(container, people, "停止中に期限", next_review_on=today + timedelta(days=3))
    results = start_jobs(store, "annual_monitoring", today + timedelta(days=13), 3)  # ten days after it was due
    assert sum(result["started"] for result in results) == 1
    reloaded = container.store.engagement(people.reviewer, late.id)
    assert reloaded.cycle["number"] == 2 and len([c for c in reloaded.cycles if c["reason"] == "annual"]) == 1


def test_advisory_fanout_notices_each_active_engagement_once(container, people, store):
    c = container
    active = approved_engagement(container, people, "稼働中")
    withdrawn = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="取下げ")
    c.engagements.withdraw(people.connector, withdrawn.id, "不要")
    advisory = c.advisories.publish_advisory(
        people.liaison, title="トークン漏洩事案への注意喚起", body="アクセストークンの保管方法を確認してください。", items=[1, 36], respond_by=date(2027, 1, 31)
    )
    later = c.engagements.open_engagement(people.reviewer, connector_org_id=people.connector.org_id, title="公表後に開始")

    first = start_jobs(store, "advisory_fanout", c.store.today(), 2)  # overlapping runs
    assert sum(result["noticed"] for result in first) == 1
    assert run_job(store, "advisory_fanout", c.store.today())["noticed"] == 0
    engagement = c.store.engagement(people.connector, active.id)
    assert [a["id"] for a in engagement.advisories] == [str(advisory.id)]
    assert engagement.advisories[0]["items"] == [1]  # only the items this engagement keeps
    assert c.store.engagement(people.connector, later.id).advisories == []

    listing = container.advisory_views.listing(people.reviewer)
    assert listing[0]["counts"] == {"noticed": 1, "acknowledged": 0, "pending": 1}
    assert [e["kind"] for e in container.views.inbox(people.connector, c.store.today())].count("advisory_to_acknowledge") == 1
    c.advisories.acknowledge_advisory(people.connector, active.id, str(advisory.id), "保管方法を確認し、暗号化済みです。")
    listing = container.advisory_views.listing(people.reviewer)
    assert listing[0]["acknowledgements"][0]["text"] == "保管方法を確認し、暗号化済みです。"
    assert container.advisory_views.listing(people.liaison)[0]["acknowledgements"] == []
    assert container.advisory_views.listing(people.liaison)[0]["counts"]["acknowledged"] == 1
    assert container.advisory_views.listing(people.other_reviewer)[0]["counts"]["noticed"] == 0


@pytest.mark.parametrize("args", [["run", "nope", "--today", "2026-01-01"], ["run", "reminders" + "x", "--today", "x"], ["run", "annual_monitoring", "--today", "2026-13-01"]])
def test_bad_job_arguments_exit_2_with_one_line(store, args):
    result = subprocess.run([sys.executable, "-m", "jobs", *args], capture_output=True, text=True, env={**os.environ, **store.env})
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_certificate_expiry_notices_60_30_and_0_days_before_once_each(container, people, store):
    c = container
    today = c.store.today()
    library = c.library.register_certification(
        people.connector, kind="soc2", scope="決済基盤", issuer="監査法人", items=[1],
        valid_from=today - timedelta(days=300), valid_until=today + timedelta(days=45),
    )
    certification_id = library.certifications[0]["id"]
    assert run_job(store, "certificate_expiry", today)["noticed"] == 1  # 60 days before has passed
    assert run_job(store, "certificate_expiry", today)["noticed"] == 0
    results = start_jobs(store, "certificate_expiry", today + timedelta(days=50), 2)  # after an outage, overlapping
    assert sum(r["noticed"] for r in results) == 2  # the 30- and 0-day notices, once each
    stored = c.library.library(people.connector)
    assert sorted(stored.expiry_notices) == sorted(f"{certification_id}:{d}" for d in (0, 30, 60))
    subjects = [n["subject"] for n in container.views.notifications(people.connector)]
    assert sum("有効期限" in subject for subject in subjects) == 3
