"""The Engagement aggregate: one bank × one connector reviewing one checklist edition.

Commands check the rules (``_require_*``) and then call a private ``@event`` method that only
changes state, so replaying old events never re-runs today's rules. Every event carries the
acting ``actor`` and its time; an event that moves the engagement to another state carries
that state, so read models copy it. State is kept as JSON-safe dicts and lists so that
snapshots round-trip.

This class holds the state and every event (their stored topics are
``service.domain.engagement:Engagement.<Event>``, so the ``@event`` methods stay here); the
commands live by feature beside it, over the rules and the read-only queries:

- engagement_review.py: answers, evidence, submission, questions, verdicts, the decision;
- engagement_lifecycle.py: opening, tailoring, monitoring cycles, advisories, revisions,
  reminders, withdrawal;
- engagement_rules.py: visibility, the guards and ``allowed``;
- engagement_reading.py: items, cycles, questions, the cycle-to-cycle diff.
"""

from __future__ import annotations

import pickle
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from .answers import answering_side, leading_side, no_answers
from .codes import CycleReason, State
from .engagement_lifecycle import LifecycleCommands, reminder_key
from .engagement_review import ReviewCommands
from .engagement_rules import state_after_decision


def actor_ref(actor: dict[str, str]) -> dict[str, str]:
    """The ``by`` shape shown on answers, judgements and timeline entries."""
    return {"id": actor["id"], "name": actor["name"], "org": actor["org_name"], "org_id": actor["org_id"]}


def _at(timestamp: datetime | None) -> str | None:
    return timestamp.isoformat() if timestamp else None


class Engagement(ReviewCommands, LifecycleCommands, Aggregate):
    """A connection review and, once approved, its monitoring."""

    class_version = 3  # 2: each item keeps both sides' statements (``answers``); 3: the monitoring plan

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot from before two voices: its one answer was written by the side of the
        organisation that wrote it."""
        bank_id = state["bank"]["id"]
        rows = [*state["items"], *(row for cycle in state["cycles"] if cycle["results"] for row in cycle["results"]["items"])]
        for row in rows:
            answers = no_answers()
            if row["answer"] is not None:
                answers["bank" if row["answer"]["by"].get("org_id") == bank_id else "connector"] = row["answer"]
            row["answers"] = answers

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["monitoring_plan"] = None

    def __deepcopy__(self, memo: dict[int, Any]) -> "Engagement":
        """The repository copies cached aggregates for every command. The state is plain
        data (dicts, lists, strings, numbers, UUID, datetimes), so a pickle round trip
        copies it completely, and faster than ``copy.deepcopy`` (bench/README.md)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(pickle.loads(pickle.dumps(self.__dict__, pickle.HIGHEST_PROTOCOL)))
        memo[id(self)] = clone
        return clone

    # ------------------------------------------------------------------ opening

    @event("Opened")
    def __init__(
        self,
        actor: dict[str, str],
        bank: dict[str, str],
        connector: dict[str, str],
        title: str,
        edition: str,
        items: list[dict[str, Any]],
        dropped: list[dict[str, Any]],
        custom: list[dict[str, Any]],
        timestamp: datetime | None = None,
    ) -> None:
        at = _at(timestamp)
        self.title = title
        self.bank = dict(bank)
        self.connector = dict(connector)
        self.edition = edition
        self.opened_by = actor_ref(actor)
        self.opened_at = at
        self.items = [{**item, "answers": no_answers()} for item in items]
        for entry in dropped:
            self._item(entry["number"])["dropped"] = {"reason": entry["reason"], "by": actor_ref(actor), "at": at}
        for entry in custom:
            self._append_custom(entry)
        self.state = State.DRAFT.value
        self.cycles = [self._new_cycle(1, CycleReason.INITIAL.value, self.active_numbers(), actor, at)]
        self.questions: list[dict[str, Any]] = []
        self.decision: dict[str, Any] | None = None
        self.conditions: list[dict[str, Any]] = []  # of every conditional approval, tracked until fulfilled
        self.next_review_on: str | None = None
        self.advisories: list[dict[str, Any]] = []
        self.reminders: list[str] = []  # keys "kind:ref:stage" already sent
        self.withdrawal: dict[str, Any] | None = None
        self.monitoring_plan: dict[str, Any] | None = None  # proposed by one side, agreed by the other

    def _append_custom(self, entry: dict[str, Any]) -> None:
        self.items.append(
            {
                "number": entry["number"],
                "category": entry["category"],
                "party": entry["party"],
                "objective": entry["objective"],
                "explanation": entry.get("explanation", ""),  # a custom item's own texts (older events: none)
                "methods": list(entry.get("methods", [])),
                "references": list(entry.get("references", [])),
                "custom": True,
                "dropped": None,
                "answer": None,
                "answers": no_answers(),
                "judgement": None,
            }
        )

    @staticmethod
    def _new_cycle(number: int, reason: str, items: list[int], actor: dict[str, str], at: str | None) -> dict[str, Any]:
        return {"number": number, "reason": reason, "items": list(items), "started_by": actor_ref(actor), "started_at": at, "results": None}

    @event("ItemDropped")
    def _item_dropped(self, actor: dict[str, str], number: int, reason: str, timestamp: datetime | None = None) -> None:
        item = self._item(number)
        item["dropped"] = {"reason": reason, "by": actor_ref(actor), "at": _at(timestamp)}
        item["judgement"] = None
        self.cycle["items"] = [n for n in self.cycle["items"] if n != number]

    @event("ItemRestored")
    def _item_restored(self, actor: dict[str, str], number: int, timestamp: datetime | None = None) -> None:
        self._item(number)["dropped"] = None
        if number not in self.cycle["items"]:
            self.cycle["items"] = sorted([*self.cycle["items"], number])

    @event("CustomItemAdded")
    def _custom_item_added(
        self,
        actor: dict[str, str],
        number: int,
        objective: str,
        party: str,
        category: str,
        explanation: str = "",
        methods: list[dict[str, str]] | None = None,
        references: list[dict[str, str]] | None = None,
    ) -> None:
        self._append_custom(
            {
                "number": number,
                "objective": objective,
                "party": party,
                "category": category,
                "explanation": explanation,
                "methods": methods or [],
                "references": references or [],
            }
        )
        self.cycle["items"].append(number)

    # ------------------------------------------------------------------ answers (engagement_review.py)
    # A ``state`` with a default: events stored before they carried it replay as they did then.

    @event("AnswerSaved")
    def _answer_saved(
        self,
        actor: dict[str, str],
        number: int,
        status: str,
        current_state: str,
        issues: str,
        plan: str,
        remarks: str,
        judgement_cleared: bool,
        side: str | None = None,  # stored since answers had two voices (answering_side)
        timestamp: datetime | None = None,
    ) -> None:
        item = self._item(number)
        item["answers"][answering_side(actor, side).value] = {
            "status": status,
            "current_state": current_state,
            "issues": issues,
            "plan": plan,
            "remarks": remarks,
            "by": actor_ref(actor),
            "at": _at(timestamp),
            "cycle": self.cycle["number"],
        }
        item["answer"] = item["answers"][leading_side(item["party"]).value]
        if judgement_cleared:
            item["judgement"] = None  # judged on an answer that no longer stands

    @event("EvidenceAttached")
    def _evidence_attached(self, actor: dict[str, str], number: int, file: dict[str, Any], timestamp: datetime | None = None) -> None:
        self._item(number).setdefault("evidence", []).append(
            {**file, "by": actor_ref(actor), "at": _at(timestamp), "cycle": self.cycle["number"]}
        )

    @event("Submitted")
    def _submitted(self, actor: dict[str, str], state: str = State.SUBMITTED.value, timestamp: datetime | None = None) -> None:
        self.state = state
        self.cycle["submitted_at"] = _at(timestamp)

    # ------------------------------------------------------------------ questions and answers

    @event("QuestionAsked")
    def _question_asked(
        self,
        actor: dict[str, str],
        question_id: str,
        number: int,
        text: str,
        state: str = State.UNDER_REVIEW.value,
        timestamp: datetime | None = None,
    ) -> None:
        self.questions.append(
            {
                "id": question_id,
                "item": number,
                "cycle": self.cycle["number"],
                "open": True,
                "posts": [{"by": actor_ref(actor), "at": _at(timestamp), "text": text}],
                "closed": None,
            }
        )
        self.state = state

    @event("ReplyPosted")
    def _reply_posted(
        self, actor: dict[str, str], question_id: str, number: int, text: str, timestamp: datetime | None = None
    ) -> None:
        self.question(question_id)["posts"].append({"by": actor_ref(actor), "at": _at(timestamp), "text": text})

    @event("QuestionClosed")
    def _question_closed(
        self, actor: dict[str, str], question_id: str, number: int, timestamp: datetime | None = None
    ) -> None:
        question = self.question(question_id)
        question["open"] = False
        question["closed"] = {"by": actor_ref(actor), "at": _at(timestamp)}

    # ------------------------------------------------------------------ judgement and decision

    @event("ItemJudged")
    def _item_judged(
        self,
        actor: dict[str, str],
        number: int,
        verdict: str,
        comment: str,
        certification: dict[str, Any] | None = None,
        state: str = State.UNDER_REVIEW.value,
        timestamp: datetime | None = None,
    ) -> None:
        self._item(number)["judgement"] = {
            "verdict": verdict,
            "comment": comment,
            "certification": dict(certification) if certification else None,
            "by": actor_ref(actor),
            "at": _at(timestamp),
            "cycle": self.cycle["number"],
        }
        self.state = state

    @event("Decided")
    def _decided(
        self,
        actor: dict[str, str],
        outcome: str,
        comment: str,
        conditions: list[dict[str, Any]],
        decided_on: str,
        next_review_on: str | None,
        state: str | None = None,  # stored before decisions carried it: follows from the outcome
        timestamp: datetime | None = None,
    ) -> None:
        self.decision = {
            "outcome": outcome,
            "comment": comment,
            "decided_on": decided_on,
            "by": actor_ref(actor),
            "at": _at(timestamp),
            "cycle": self.cycle["number"],
        }
        self.conditions.extend({**condition, "items": list(condition["items"])} for condition in conditions)
        self.next_review_on = next_review_on
        self.state = state or state_after_decision(outcome)

    @event("ConditionFulfilled")
    def _condition_fulfilled(
        self, actor: dict[str, str], condition_id: str, comment: str, timestamp: datetime | None = None
    ) -> None:
        self._condition(condition_id)["fulfilled"] = {"by": actor_ref(actor), "at": _at(timestamp), "comment": comment}

    # ------------------------------------------------------------------ monitoring cycles (engagement_lifecycle.py)

    @event("ReviewCycleStarted")
    def _review_cycle_started(
        self,
        actor: dict[str, str],
        cycle: int,
        reason: str,
        items: list[int],
        note: str,
        state: str = State.DRAFT.value,
        change_report: str | None = None,  # the connector's change report that opened it
        timestamp: datetime | None = None,
    ) -> None:
        self.cycle["results"] = {
            "decision": self.decision,
            "items": [
                {"number": item["number"], "answer": item["answer"], "answers": dict(item["answers"]), "judgement": item["judgement"]}
                for item in self.items
            ],
        }
        self.cycles.append({**self._new_cycle(cycle, reason, items, actor, _at(timestamp)), "note": note, "change_report": change_report})
        for number in items:
            self._item(number)["judgement"] = None
        self.decision = None
        self.state = state

    # ------------------------------------------------------------------ the monitoring plan

    @event("MonitoringPlanProposed")
    def _monitoring_plan_proposed(
        self, actor: dict[str, str], side: str, frequency_months: int, depth: str, items: list[int], note: str,
        timestamp: datetime | None = None,
    ) -> None:
        proposer = {**actor_ref(actor), "side": side, "at": _at(timestamp)}
        plan = {"frequency_months": frequency_months, "depth": depth, "items": list(items), "note": note}
        self.monitoring_plan = {**plan, "status": "proposed", "proposed_by": proposer, "agreed_by": None}

    @event("MonitoringPlanAgreed")
    def _monitoring_plan_agreed(
        self, actor: dict[str, str], next_review_on: str | None, timestamp: datetime | None = None
    ) -> None:
        self.monitoring_plan = {**self.monitoring_plan, "status": "agreed", "agreed_by": {**actor_ref(actor), "at": _at(timestamp)}}
        if next_review_on is not None:
            self.next_review_on = next_review_on

    # ------------------------------------------------------------------ advisories

    @event("AdvisoryNoticed")
    def _advisory_noticed(
        self,
        actor: dict[str, str],
        advisory_id: str,
        title: str,
        items: list[int],
        respond_by: str | None,
        timestamp: datetime | None = None,
    ) -> None:
        self.advisories.append(
            {
                "id": advisory_id,
                "title": title,
                "items": list(items),
                "respond_by": respond_by,
                "noticed_at": _at(timestamp),
                "acknowledgement": None,
            }
        )

    @event("AdvisoryAcknowledged")
    def _advisory_acknowledged(
        self, actor: dict[str, str], advisory_id: str, text: str, timestamp: datetime | None = None
    ) -> None:
        self.advisory(advisory_id)["acknowledgement"] = {"by": actor_ref(actor), "at": _at(timestamp), "text": text}

    # ------------------------------------------------------------------ checklist revisions

    @event("EditionAdopted")
    def _edition_adopted(
        self,
        actor: dict[str, str],
        edition: str,
        updated: list[dict[str, Any]],
        added: list[dict[str, Any]],
        removed: list[int],
        timestamp: datetime | None = None,
    ) -> None:
        previous = self.edition
        self.edition = edition
        for entry in updated:
            item = self._item(entry["number"])
            item.update(entry)
            item["answer"] = item["answers"][leading_side(item["party"]).value]  # a revision may change the 対象者
        for entry in added:
            self.items.append({**entry, "custom": False, "dropped": None, "answer": None, "answers": no_answers(), "judgement": None})
        self.items.sort(key=lambda item: item["number"])
        reason = f"チェックリスト改訂（{previous}版→{edition}版）で削除"
        for number in removed:
            item = self._item(number)
            item["dropped"] = {"reason": reason, "by": actor_ref(actor), "at": _at(timestamp), "revision": True}
            item["judgement"] = None
            if number in self.cycle["items"]:
                self.cycle["items"].remove(number)

    # ------------------------------------------------------------------ reminders and withdrawal

    @event("ReminderSent")
    def _reminder_sent(self, actor: dict[str, str], kind: str, ref: str, stage: int, to: str, text: str) -> None:
        self.reminders.append(reminder_key(kind, ref, stage))

    @event("Withdrawn")
    def _withdrawn(
        self, actor: dict[str, str], reason: str, state: str = State.WITHDRAWN.value, timestamp: datetime | None = None
    ) -> None:
        self.withdrawal = {"reason": reason, "from_state": self.state, "by": actor_ref(actor), "at": _at(timestamp)}
        self.state = state
