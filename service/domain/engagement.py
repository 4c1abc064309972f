"""The Engagement aggregate: one bank × one connector reviewing one checklist edition.

Commands are public methods: they check the rules (``_require_*``) and then call a
private ``@event`` method that only changes state, so replaying old events never
re-runs today's rules. Every event carries the acting ``actor`` and its time.
State is kept as JSON-safe dicts and lists so that snapshots round-trip.
"""

from __future__ import annotations

import pickle
from datetime import date, datetime
from typing import Any, Iterable

from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .checklist import CheckItem, Edition, EditionDiff, Party
from .codes import AnswerStatus, CycleReason, Outcome, Role, State, Verdict
from .errors import (
    AdvisoryAlreadyNoticed,
    Conflict,
    Forbidden,
    NotFound,
    AdvisoryNotFound,
    AlreadyAcknowledged,
    AlreadyReminded,
    AnswersMissing,
    ConditionAlreadyFulfilled,
    ConditionNotFound,
    EditionConflict,
    Invalid,
    ItemIsDropped,
    ItemNotFound,
    ItemNotInCycle,
    ItemsNotJudged,
    NotPartyOfItem,
    PenNotHeld,
    QuestionClosed,
    QuestionNotFound,
    QuestionsOpen,
    RoleNotAllowed,
    WrongState,
)
from .text import MAX_TEXT, clean_text, label_for, one_line, parse_code, parse_date

MAX_TITLE = 200
FIRST_CUSTOM_NUMBER = 45
OPEN_STATES = (State.SUBMITTED, State.UNDER_REVIEW)
BEFORE_DECISION = (State.DRAFT, State.SUBMITTED, State.UNDER_REVIEW)
ANSWER_FIELDS = ("current_state", "issues", "plan", "remarks")
SIDE_PARTIES = {
    Role.CONNECTOR: (Party.CONNECTOR.value, Party.COMMON.value),
    Role.REVIEWER: (Party.BANK.value, Party.COMMON.value),
}


_GUARDS = {  # what a person may be offered → the guard of the command that does it
    "answer": "_require_pen",
    "judge": "_require_reviewing",
    "ask": "_require_reviewing",
    "reply": "_require_conversation",
    "close": "_require_reviewer_while_open",
    "submit": "_require_submittable",
    "decide": "_require_reviewer_while_open",
    "start_cycle": "_require_cycle_startable",
    "withdraw": "_require_withdrawable",
    "write_some": "_require_some_pen",
}


def actor_ref(actor: dict[str, str]) -> dict[str, str]:
    """The ``by`` shape shown on answers, judgements and timeline entries."""
    return {"id": actor["id"], "name": actor["name"], "org": actor["org_name"], "org_id": actor["org_id"]}


def one_year_later(day: date) -> date:
    """Same calendar day next year (29 February falls back to 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


PLAN_REQUIRED = (AnswerStatus.PLANNED, AnswerStatus.NOT_IMPLEMENTED)
GAPS_EXPECTED = (AnswerStatus.PARTIAL, *PLAN_REQUIRED)


def checked_answer(status: Any, current_state: Any, issues: Any, plan: Any, remarks: Any) -> dict[str, str]:
    """An answer's five fields, validated: 対応状況区分 and 現在の対応状況 always, and for an item
    not yet met the plan the フォーマット exists to capture."""
    code = parse_code(AnswerStatus, status, "status")
    answer = {
        "status": code.value,
        "current_state": clean_text(current_state, "current_state", required=True),
        "issues": clean_text(issues, "issues"),
        "plan": clean_text(plan, "plan"),
        "remarks": clean_text(remarks, "remarks"),
    }
    if code in PLAN_REQUIRED and not answer["plan"].strip():
        raise Invalid(f"「{code.label}」の回答には課題への対応計画を入力してください。", field="plan")
    return answer


def answer_gaps(answer: dict[str, Any] | None) -> list[str]:
    """The フォーマット columns an answer leaves empty although its status calls for them
    (課題認識, 課題への対応計画 of an item only partly met or not met): shown as a warning."""
    if answer is None or AnswerStatus(answer["status"]) not in GAPS_EXPECTED:
        return []
    return [key for key in ("issues", "plan") if not answer[key].strip()]


def answer_fields(answer: dict[str, Any]) -> dict[str, str]:
    """The five answer fields of a stored answer (without who/when)."""
    return {key: answer[key] for key in ("status", *ANSWER_FIELDS)}


def _item_fields(item: CheckItem) -> dict[str, Any]:
    return {"number": item.number, "category": item.category, "party": item.party.value, "objective": item.objective}


def reminder_key(kind: str, ref: str, stage: int) -> str:
    return f"{kind}:{ref}:{stage}"


def _answer_core(answer: dict[str, Any] | None) -> dict[str, str] | None:
    """An answer's content without who/when, for comparing cycles."""
    return None if answer is None else answer_fields(answer)


class Engagement(Aggregate):
    """A connection review and, once approved, its monitoring."""

    def __deepcopy__(self, memo: dict[int, Any]) -> "Engagement":
        """The repository copies cached aggregates for every command. The state is plain
        data (dicts, lists, strings, numbers, UUID, datetimes), so a pickle round trip
        copies it completely, and faster than ``copy.deepcopy`` (bench/README.md)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(pickle.loads(pickle.dumps(self.__dict__, pickle.HIGHEST_PROTOCOL)))
        memo[id(self)] = clone
        return clone

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        actor: Actor,
        *,
        bank: dict[str, str],
        connector: dict[str, str],
        title: str,
        edition: Edition,
        dropped_items: Iterable[dict[str, Any]] = (),
        custom_items: Iterable[dict[str, Any]] = (),
    ) -> "Engagement":
        """A reviewer of ``bank`` opens a review of ``connector`` on ``edition``, tailored."""
        if actor.role is not Role.REVIEWER:
            raise RoleNotAllowed("審査案件を作成できるのは金融機関の審査担当者です。")
        if actor.org_id != bank["id"]:
            raise RoleNotAllowed("自行以外の審査案件は作成できません。")
        title = one_line(title, "title", required=True, limit=MAX_TITLE)
        items = [
            {**_item_fields(item), "custom": False, "dropped": None, "answer": None, "judgement": None}
            for item in edition.items
        ]
        dropped = cls._validate_dropped(dropped_items, edition.numbers)
        customs = [
            {**cls._validate_custom(custom, f"custom_items[{i}]"), "number": FIRST_CUSTOM_NUMBER + i}
            for i, custom in enumerate(custom_items or ())
        ]
        if len(dropped) >= len(items) and not customs:
            raise Invalid("確認項目を少なくとも1つ残してください。", field="dropped_items")
        return cls(
            actor=actor.as_record(),
            bank=dict(bank),
            connector=dict(connector),
            title=title,
            edition=edition.id,
            items=items,
            dropped=dropped,
            custom=customs,
        )

    @staticmethod
    def _validate_dropped(dropped_items: Iterable[dict[str, Any]], numbers: Iterable[int]) -> list[dict[str, Any]]:
        known = set(numbers)
        seen: set[int] = set()
        dropped = []
        for i, entry in enumerate(dropped_items or ()):
            field = f"dropped_items[{i}]"
            number = entry.get("number") if isinstance(entry, dict) else None
            if not isinstance(number, int) or isinstance(number, bool) or number not in known:
                raise Invalid(f"通番{number}はこの版のチェックリストにありません。", field=field)
            if number in seen:
                raise Invalid(f"通番{number}が重複しています。", field=field)
            seen.add(number)
            dropped.append({"number": number, "reason": clean_text(entry.get("reason"), f"{field}.reason", required=True)})
        return dropped

    @staticmethod
    def _validate_custom(entry: Any, field: str) -> dict[str, str]:
        if not isinstance(entry, dict):
            raise Invalid(f"{label_for(field)}の形式が正しくありません。", field=field)
        party = parse_code(Party, entry.get("party"), f"{field}.party")
        return {
            "objective": clean_text(entry.get("objective"), f"{field}.objective", required=True, limit=2_000),
            "party": party.value,
            "category": clean_text(entry.get("category") or "金融機関独自項目", f"{field}.category", limit=100),
        }

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
        at = timestamp.isoformat() if timestamp else None
        self.title = title
        self.bank = dict(bank)
        self.connector = dict(connector)
        self.edition = edition
        self.opened_by = actor_ref(actor)
        self.opened_at = at
        self.items = [dict(item) for item in items]
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

    def next_custom_number(self) -> int:
        return max(FIRST_CUSTOM_NUMBER - 1, *(item["number"] for item in self.items)) + 1

    def _append_custom(self, entry: dict[str, Any]) -> None:
        self.items.append(
            {
                "number": entry["number"],
                "category": entry["category"],
                "party": entry["party"],
                "objective": entry["objective"],
                "custom": True,
                "dropped": None,
                "answer": None,
                "judgement": None,
            }
        )

    @staticmethod
    def _new_cycle(number: int, reason: str, items: list[int], actor: dict[str, str], at: str | None) -> dict[str, Any]:
        return {"number": number, "reason": reason, "items": list(items), "started_by": actor_ref(actor), "started_at": at, "results": None}

    # ------------------------------------------------------------------ reading

    def _item(self, number: int) -> dict[str, Any]:
        for item in self.items:
            if item["number"] == number:
                return item
        raise ItemNotFound(f"通番{number}の確認項目はありません。", number=number)

    def item(self, number: int) -> dict[str, Any]:
        """The item with its answer and judgement; raises ``ItemNotFound``."""
        return self._item(number)

    def active_numbers(self) -> list[int]:
        """Numbers of the items not dropped."""
        return [item["number"] for item in self.items if item["dropped"] is None]

    @property
    def cycle(self) -> dict[str, Any]:
        return self.cycles[-1]

    def open_questions(self, number: int | None = None) -> int:
        return sum(1 for q in self.questions if q["open"] and (number is None or q["item"] == number))

    def question(self, question_id: str) -> dict[str, Any]:
        for question in self.questions:
            if question["id"] == question_id:
                return question
        raise QuestionNotFound("指定された質問はありません。", question_id=question_id)

    def advisory(self, advisory_id: str) -> dict[str, Any]:
        for advisory in self.advisories:
            if advisory["id"] == advisory_id:
                return advisory
        raise AdvisoryNotFound("この案件に届いた注意喚起ではありません。", advisory_id=advisory_id)

    def has_advisory(self, advisory_id: str) -> bool:
        return any(advisory["id"] == advisory_id for advisory in self.advisories)

    def missing_answers(self) -> list[int]:
        """Connector and common items of the current cycle not yet answered in it."""
        cycle = self.cycle
        return [
            number
            for number in cycle["items"]
            if self._item(number)["party"] in SIDE_PARTIES[Role.CONNECTOR]
            and self._item(number)["dropped"] is None
            and not self._answered_in_cycle(self._item(number))
        ]

    def unjudged(self) -> list[int]:
        return [number for number in self.active_numbers() if self._item(number)["judgement"] is None]

    def _answered_in_cycle(self, item: dict[str, Any]) -> bool:
        return item["answer"] is not None and item["answer"]["cycle"] == self.cycle["number"]

    def connector_holds_pen(self, number: int) -> bool:
        """Draft of a cycle that includes the item, or an open question on it."""
        if self.state == State.DRAFT.value and number in self.cycle["items"]:
            return True
        return self.state in (State.SUBMITTED.value, State.UNDER_REVIEW.value) and self.open_questions(number) > 0

    def cycle_results(self, number: int) -> dict[int, dict[str, Any]]:
        """Each item's answer and judgement as they stood at the end of cycle ``number``
        (or now, for the current cycle)."""
        if not 1 <= number <= len(self.cycles):
            raise Invalid(f"第{number}回の審査サイクルはありません。", field="cycle")
        if number == self.cycle["number"]:
            rows = [{"number": i["number"], "answer": i["answer"], "judgement": i["judgement"]} for i in self.items]
        else:
            rows = self.cycles[number - 1]["results"]["items"]
        return {row["number"]: row for row in rows}

    def cycle_diff(self, number: int) -> list[dict[str, Any]]:
        """What each item's answer and verdict were in cycle ``number - 1`` vs cycle ``number``."""
        if number < 2:
            raise Invalid("最初の審査サイクルには比較する前回がありません。", field="cycle")
        before, after = self.cycle_results(number - 1), self.cycle_results(number)
        diff = []
        for item in self.items:
            old, new = before.get(item["number"]), after.get(item["number"])
            old_answer = _answer_core(old["answer"] if old else None)
            new_answer = _answer_core(new["answer"] if new else None)
            old_verdict = old["judgement"]["verdict"] if old and old["judgement"] else None
            new_verdict = new["judgement"]["verdict"] if new and new["judgement"] else None
            diff.append(
                {
                    "number": item["number"],
                    "objective": item["objective"],
                    "before": {"answer": old_answer, "verdict": old_verdict},
                    "after": {"answer": new_answer, "verdict": new_verdict},
                    "answer_changed": old_answer != new_answer,
                    "verdict_changed": old_verdict != new_verdict,
                }
            )
        return diff

    def decision_conditions(self, decision: dict[str, Any] | None) -> list[dict[str, Any]]:
        """The conditions a decision set, with their fulfilment as tracked since."""
        if decision is None:
            return []
        return [c for c in self.conditions if c["cycle"] == decision["cycle"]]

    # ------------------------------------------------------------------ guards

    def require(self, actor: Actor, action: str, number: int | None = None) -> None:
        """Raise the named error that stops ``actor`` doing ``action`` now (on item ``number``)."""
        guard = getattr(self, _GUARDS[action])
        guard(actor) if number is None else guard(actor, number)

    def may(self, actor: Actor, action: str, number: int | None = None) -> bool:
        """Whether ``actor`` may do ``action`` now: the command's own guard run without acting,
        so that pages offer exactly what the command would accept."""
        try:
            self.require(actor, action, number)
        except (Forbidden, Conflict, NotFound):
            return False
        return True

    def _require_reviewing(self, actor: Actor, number: int) -> None:
        """A reviewer judges or asks about an item of the open cycle."""
        self._require_role(actor, Role.REVIEWER)
        self._require_state(*OPEN_STATES)
        self._require_active_item(number)
        self._require_in_cycle(number)

    def _require_conversation(self, actor: Actor) -> None:
        self._require_role(actor, Role.REVIEWER, Role.CONNECTOR)
        self._require_state(*OPEN_STATES)

    def _require_reviewer_while_open(self, actor: Actor) -> None:
        """Closing questions and deciding: the reviewer, while the review is open."""
        self._require_role(actor, Role.REVIEWER)
        self._require_state(*OPEN_STATES)

    def _require_submittable(self, actor: Actor) -> None:
        self._require_role(actor, Role.CONNECTOR)
        self._require_state(State.DRAFT)

    def _require_cycle_startable(self, actor: Actor) -> None:
        self._require_role(actor, Role.REVIEWER, Role.SYSTEM)
        self._require_state(State.MONITORING)

    def _require_withdrawable(self, actor: Actor) -> None:
        self._require_role(actor, Role.REVIEWER, Role.CONNECTOR)
        self._require_not_withdrawn()

    def _require_some_pen(self, actor: Actor) -> None:
        """Bulk writes (Excel import, library fill) need at least one item the actor may write."""
        if not any(self.may(actor, "answer", item["number"]) for item in self.items):
            raise PenNotHeld("現在回答を編集できる確認項目はありません。")

    def _require_role(self, actor: Actor, *roles: Role) -> None:
        if actor.role not in roles:
            raise RoleNotAllowed("この操作を行う権限がありません。", role=actor.role.value)

    def _require_state(self, *states: State) -> None:
        if self.state not in {s.value for s in states}:
            raise WrongState(
                "現在の審査状態ではこの操作はできません。",
                state=self.state,
                allowed=[s.value for s in states],
            )

    def _require_not_withdrawn(self) -> None:
        if self.state == State.WITHDRAWN.value:
            raise WrongState("この審査案件は取り下げられています。", state=self.state)

    def _require_active_item(self, number: int) -> dict[str, Any]:
        item = self._item(number)
        if item["dropped"] is not None:
            raise ItemIsDropped(f"通番{number}は削除された確認項目です。", number=number)
        return item

    def _require_in_cycle(self, number: int) -> None:
        if number not in self.cycle["items"]:
            raise ItemNotInCycle(f"通番{number}は第{self.cycle['number']}回の審査サイクルの対象外です。", number=number)

    def _require_party(self, actor: Actor, item: dict[str, Any]) -> None:
        if item["party"] not in SIDE_PARTIES.get(actor.role, ()):
            raise NotPartyOfItem(
                f"通番{item['number']}はこちらの対象者の項目ではありません。", number=item["number"], party=item["party"]
            )

    @staticmethod
    def _require_numbers(values: Any, field: str) -> list[int]:
        """A list of item numbers from untrusted input (JSON ``null`` is an empty list)."""
        if values is None:
            return []
        if isinstance(values, (str, bytes, dict)) or not isinstance(values, Iterable):
            raise Invalid(f"{label_for(field)}は通番の一覧で指定してください。", field=field)
        numbers = list(values)
        for number in numbers:
            if not isinstance(number, int) or isinstance(number, bool):
                raise Invalid(f"{label_for(field)}は通番の一覧で指定してください。", field=field)
        return numbers

    def _require_open_question(self, question_id: str) -> dict[str, Any]:
        question = self.question(question_id)
        if not question["open"]:
            raise QuestionClosed("この質問は完了しています。", question_id=question_id)
        return question

    # ------------------------------------------------------------------ tailoring (draft of the first cycle)

    def drop_item(self, actor: Actor, number: int, reason: str) -> None:
        self._require_role(actor, Role.REVIEWER)
        self._require_tailorable()
        self._require_active_item(number)
        if len(self.active_numbers()) == 1:
            raise Invalid("確認項目を少なくとも1つ残してください。", field="number")
        self._item_dropped(actor=actor.as_record(), number=number, reason=clean_text(reason, "reason", required=True))

    def _require_tailorable(self) -> None:
        self._require_state(State.DRAFT)
        if self.cycle["reason"] != CycleReason.INITIAL.value:
            raise WrongState("確認項目の追加・削除は最初の提出前にのみできます。", state=self.state)

    @event("ItemDropped")
    def _item_dropped(self, actor: dict[str, str], number: int, reason: str, timestamp: datetime | None = None) -> None:
        item = self._item(number)
        item["dropped"] = {"reason": reason, "by": actor_ref(actor), "at": timestamp.isoformat() if timestamp else None}
        item["judgement"] = None
        self.cycle["items"] = [n for n in self.cycle["items"] if n != number]

    def add_custom_item(self, actor: Actor, objective: str, party: str, category: str | None = None) -> int:
        self._require_role(actor, Role.REVIEWER)
        self._require_tailorable()
        entry = self._validate_custom({"objective": objective, "party": party, "category": category}, "custom_item")
        number = self.next_custom_number()
        self._custom_item_added(actor=actor.as_record(), number=number, **entry)
        return number

    @event("CustomItemAdded")
    def _custom_item_added(self, actor: dict[str, str], number: int, objective: str, party: str, category: str) -> None:
        self._append_custom({"number": number, "objective": objective, "party": party, "category": category})
        self.cycle["items"].append(number)

    # ------------------------------------------------------------------ answers

    def save_answer(
        self,
        actor: Actor,
        number: int,
        *,
        status: Any,
        current_state: Any = "",
        issues: Any = "",
        plan: Any = "",
        remarks: Any = "",
    ) -> None:
        """Record the 対象者's answer (対応状況区分, 現在の対応状況, 課題認識, 課題への対応計画, 備考)."""
        item = self._require_pen(actor, number)
        answer = checked_answer(status, current_state, issues, plan, remarks)
        previous, judgement = item["answer"], item["judgement"]
        changed = previous is None or any(previous[key] != value for key, value in answer.items())
        clears = changed and judgement is not None and judgement["cycle"] == self.cycle["number"]
        self._answer_saved(actor=actor.as_record(), number=number, judgement_cleared=clears, **answer)

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
        timestamp: datetime | None = None,
    ) -> None:
        item = self._item(number)
        item["answer"] = {
            "status": status,
            "current_state": current_state,
            "issues": issues,
            "plan": plan,
            "remarks": remarks,
            "by": actor_ref(actor),
            "at": timestamp.isoformat() if timestamp else None,
            "cycle": self.cycle["number"],
        }
        if judgement_cleared:
            item["judgement"] = None  # judged on an answer that no longer stands

    def _require_pen(self, actor: Actor, number: int) -> dict[str, Any]:
        """The actor may write this item now (its side, and the connector holds the pen)."""
        self._require_role(actor, Role.CONNECTOR, Role.REVIEWER)
        self._require_not_withdrawn()
        item = self._require_active_item(number)
        self._require_party(actor, item)
        if actor.role is Role.CONNECTOR:
            if not self.connector_holds_pen(number):
                raise PenNotHeld(f"通番{number}は現在回答を編集できません。", number=number)
        else:
            self._require_state(*BEFORE_DECISION)
            self._require_in_cycle(number)
        return item

    def attach_evidence(self, actor: Actor, number: int, file: dict[str, Any]) -> None:
        """Attach an evidence file (stored by content under BLOB_DIR) to the item's answer."""
        self._require_pen(actor, number)
        self._evidence_attached(actor=actor.as_record(), number=number, file=dict(file))

    @event("EvidenceAttached")
    def _evidence_attached(self, actor: dict[str, str], number: int, file: dict[str, Any], timestamp: datetime | None = None) -> None:
        self._item(number).setdefault("evidence", []).append(
            {**file, "by": actor_ref(actor), "at": timestamp.isoformat() if timestamp else None, "cycle": self.cycle["number"]}
        )

    def has_evidence(self, sha256: str) -> dict[str, Any] | None:
        for item in self.items:
            for file in item.get("evidence", []):
                if file["sha256"] == sha256:
                    return file
        return None

    def submit(self, actor: Actor) -> None:
        """The connector hands the pen to the bank: every connector/common item of the cycle answered."""
        self._require_submittable(actor)
        missing = self.missing_answers()
        if missing:
            raise AnswersMissing(f"未回答の確認項目があります: {'、'.join(map(str, missing))}", items=missing)
        self._submitted(actor=actor.as_record())

    @event("Submitted")
    def _submitted(self, actor: dict[str, str], timestamp: datetime | None = None) -> None:
        self.state = State.SUBMITTED.value
        self.cycle["submitted_at"] = timestamp.isoformat() if timestamp else None

    # ------------------------------------------------------------------ questions and answers

    def ask_question(self, actor: Actor, number: int, text: str, question_id: str) -> None:
        self._require_reviewing(actor, number)
        self._question_asked(
            actor=actor.as_record(), question_id=question_id, number=number, text=clean_text(text, "text", required=True)
        )

    @event("QuestionAsked")
    def _question_asked(
        self, actor: dict[str, str], question_id: str, number: int, text: str, timestamp: datetime | None = None
    ) -> None:
        at = timestamp.isoformat() if timestamp else None
        self.questions.append(
            {
                "id": question_id,
                "item": number,
                "cycle": self.cycle["number"],
                "open": True,
                "posts": [{"by": actor_ref(actor), "at": at, "text": text}],
                "closed": None,
            }
        )
        self.state = State.UNDER_REVIEW.value

    def post_reply(self, actor: Actor, question_id: str, text: str) -> None:
        self._require_role(actor, Role.REVIEWER, Role.CONNECTOR)
        self.question(question_id)  # an unknown question is missing (404) whatever the state
        self._require_conversation(actor)
        question = self._require_open_question(question_id)
        self._reply_posted(
            actor=actor.as_record(),
            question_id=question_id,
            number=question["item"],
            text=clean_text(text, "text", required=True),
        )

    @event("ReplyPosted")
    def _reply_posted(
        self, actor: dict[str, str], question_id: str, number: int, text: str, timestamp: datetime | None = None
    ) -> None:
        self.question(question_id)["posts"].append(
            {"by": actor_ref(actor), "at": timestamp.isoformat() if timestamp else None, "text": text}
        )

    def close_question(self, actor: Actor, question_id: str) -> None:
        self._require_role(actor, Role.REVIEWER)
        self.question(question_id)  # an unknown question is missing (404) whatever the state
        self._require_reviewer_while_open(actor)
        question = self._require_open_question(question_id)
        self._question_closed(actor=actor.as_record(), question_id=question_id, number=question["item"])

    @event("QuestionClosed")
    def _question_closed(
        self, actor: dict[str, str], question_id: str, number: int, timestamp: datetime | None = None
    ) -> None:
        question = self.question(question_id)
        question["open"] = False
        question["closed"] = {"by": actor_ref(actor), "at": timestamp.isoformat() if timestamp else None}

    # ------------------------------------------------------------------ judgement and decision

    def judge_item(
        self, actor: Actor, number: int, verdict: Any, comment: Any = "", certification: dict[str, Any] | None = None
    ) -> None:
        """Judge one item; ``certification`` (already checked to be the connector's, valid and
        covering the item) records a third-party certification accepted in lieu of evidence."""
        self._require_reviewing(actor, number)
        code = parse_code(Verdict, verdict, "verdict")
        needs_reason = code in (Verdict.UNSATISFIED, Verdict.COMPENSATED)
        comment = clean_text(comment, "comment", required=needs_reason)
        self._item_judged(
            actor=actor.as_record(), number=number, verdict=code.value, comment=comment, certification=certification
        )

    @event("ItemJudged")
    def _item_judged(
        self,
        actor: dict[str, str],
        number: int,
        verdict: str,
        comment: str,
        certification: dict[str, Any] | None = None,
        timestamp: datetime | None = None,
    ) -> None:
        self._item(number)["judgement"] = {
            "verdict": verdict,
            "comment": comment,
            "certification": dict(certification) if certification else None,
            "by": actor_ref(actor),
            "at": timestamp.isoformat() if timestamp else None,
            "cycle": self.cycle["number"],
        }
        self.state = State.UNDER_REVIEW.value

    def decide(
        self,
        actor: Actor,
        *,
        outcome: Any,
        comment: Any,
        decided_on: date,
        conditions: Iterable[dict[str, Any]] = (),
        next_review_on: Any = None,
    ) -> None:
        """The holistic decision: an unsatisfied item does not force a rejection."""
        self._require_reviewer_while_open(actor)
        unjudged = self.unjudged()
        if unjudged:
            raise ItemsNotJudged(f"未判定の確認項目があります: {'、'.join(map(str, unjudged))}", items=unjudged)
        if self.open_questions():
            raise QuestionsOpen(f"未完了の質問が{self.open_questions()}件あります。", count=self.open_questions())
        code = parse_code(Outcome, outcome, "outcome")
        comment = clean_text(comment, "comment", required=True)
        conditions = self._validate_conditions(code, conditions, decided_on)
        if code is Outcome.REJECTED:
            review_on = None
        elif next_review_on:
            review_on = parse_date(next_review_on, "next_review_on", after=decided_on)
        else:
            review_on = one_year_later(decided_on)
        self._decided(
            actor=actor.as_record(),
            outcome=code.value,
            comment=comment,
            conditions=conditions,
            decided_on=decided_on.isoformat(),
            next_review_on=review_on.isoformat() if review_on else None,
        )

    def _validate_conditions(
        self, outcome: Outcome, conditions: Iterable[dict[str, Any]], today: date
    ) -> list[dict[str, Any]]:
        """Conditions of a conditional approval, each due after ``today``."""
        conditions = list(conditions or ())
        if outcome is not Outcome.CONDITIONAL:
            if conditions:
                raise Invalid("条件は「条件付き承認」の場合にのみ指定できます。", field="conditions")
            return []
        if not conditions:
            raise Invalid("条件付き承認には条件を1つ以上指定してください。", field="conditions")
        checked = []
        for i, condition in enumerate(conditions):
            field = f"conditions[{i}]"
            if not isinstance(condition, dict):
                raise Invalid(f"{label_for(field)}の形式が正しくありません。", field=field)
            items = condition.get("items") or []
            if not isinstance(items, list) or not items:
                raise Invalid(f"{label_for(field)}の対象の確認項目を指定してください。", field=f"{field}.items")
            for number in items:
                if not isinstance(number, int) or isinstance(number, bool) or number not in self.active_numbers():
                    raise Invalid(f"{label_for(field)}の対象に存在しない通番（{number!r}）があります。", field=f"{field}.items")
            due = parse_date(condition.get("due_on"), f"{field}.due_on", after=today)
            checked.append(
                {
                    "id": f"{self.cycle['number']}-{i + 1}",
                    "cycle": self.cycle["number"],
                    "text": clean_text(condition.get("text"), f"{field}.text", required=True, limit=2_000),
                    "items": sorted(set(items)),
                    "due_on": due.isoformat(),
                    "fulfilled": None,
                }
            )
        return checked

    @event("Decided")
    def _decided(
        self,
        actor: dict[str, str],
        outcome: str,
        comment: str,
        conditions: list[dict[str, Any]],
        decided_on: str,
        next_review_on: str | None,
        timestamp: datetime | None = None,
    ) -> None:
        self.decision = {
            "outcome": outcome,
            "comment": comment,
            "decided_on": decided_on,
            "by": actor_ref(actor),
            "at": timestamp.isoformat() if timestamp else None,
            "cycle": self.cycle["number"],
        }
        self.conditions.extend({**condition, "items": list(condition["items"])} for condition in conditions)
        self.next_review_on = next_review_on
        rejected = outcome == Outcome.REJECTED.value
        self.state = State.DECIDED.value if rejected else State.MONITORING.value

    def fulfil_condition(self, actor: Actor, condition_id: str, comment: Any = "") -> None:
        self._require_role(actor, Role.REVIEWER)
        self._require_not_withdrawn()
        condition = self._condition(condition_id)
        if condition["fulfilled"] is not None:
            raise ConditionAlreadyFulfilled("この条件は充足確認済みです。", condition_id=condition_id)
        self._condition_fulfilled(actor=actor.as_record(), condition_id=condition_id, comment=clean_text(comment, "comment", required=True))

    def _condition(self, condition_id: str) -> dict[str, Any]:
        for condition in self.conditions:
            if condition["id"] == condition_id:
                return condition
        raise ConditionNotFound("指定された条件はありません。", condition_id=condition_id)

    @event("ConditionFulfilled")
    def _condition_fulfilled(
        self, actor: dict[str, str], condition_id: str, comment: str, timestamp: datetime | None = None
    ) -> None:
        self._condition(condition_id)["fulfilled"] = {
            "by": actor_ref(actor),
            "at": timestamp.isoformat() if timestamp else None,
            "comment": comment,
        }

    # ------------------------------------------------------------------ monitoring cycles

    def start_review_cycle(self, actor: Actor, reason: Any, items: Iterable[int] = (), note: Any = "") -> None:
        """Reopen the items concerned (all of them for ``annual``); earlier cycles stay readable."""
        self._require_cycle_startable(actor)
        code = parse_code(CycleReason, reason, "reason")
        if code is CycleReason.INITIAL:
            raise Invalid("初回の審査サイクルは案件の作成時に始まります。", field="reason")
        if code is CycleReason.ANNUAL:
            numbers = self.active_numbers()
        else:
            numbers = sorted(set(self._require_numbers(items, "items")))
            if not numbers:
                raise Invalid("対象の確認項目を指定してください。", field="items")
            for number in numbers:
                self._require_active_item(number)
        self._review_cycle_started(
            actor=actor.as_record(),
            cycle=self.cycle["number"] + 1,
            reason=code.value,
            items=numbers,
            note=clean_text(note, "note", limit=2_000),
        )

    @event("ReviewCycleStarted")
    def _review_cycle_started(
        self,
        actor: dict[str, str],
        cycle: int,
        reason: str,
        items: list[int],
        note: str,
        timestamp: datetime | None = None,
    ) -> None:
        closing = self.cycle
        closing["results"] = {
            "decision": self.decision,
            "items": [
                {"number": item["number"], "answer": item["answer"], "judgement": item["judgement"]}
                for item in self.items
            ],
        }
        self.cycles.append(
            {
                **self._new_cycle(cycle, reason, items, actor, timestamp.isoformat() if timestamp else None),
                "note": note,
            }
        )
        for number in items:
            self._item(number)["judgement"] = None
        self.decision = None
        self.state = State.DRAFT.value

    # ------------------------------------------------------------------ advisories

    def notice_advisory(
        self, actor: Actor, *, advisory_id: str, title: str, items: list[int], respond_by: str | None
    ) -> None:
        """Record a FISC advisory on this engagement (the fan-out job, or the liaison desk)."""
        self._require_role(actor, Role.SYSTEM, Role.LIAISON)
        self._require_not_withdrawn()
        if self.has_advisory(advisory_id):
            raise AdvisoryAlreadyNoticed("この注意喚起は登録済みです。", advisory_id=advisory_id)
        numbers = [n for n in self._require_numbers(items, "items") if n in self.active_numbers()]
        self._advisory_noticed(
            actor=actor.as_record(),
            advisory_id=advisory_id,
            title=one_line(title, "title", required=True, limit=MAX_TITLE),
            items=sorted(set(numbers)),
            respond_by=respond_by,
        )

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
                "noticed_at": timestamp.isoformat() if timestamp else None,
                "acknowledgement": None,
            }
        )

    def acknowledge_advisory(self, actor: Actor, advisory_id: str, text: Any) -> None:
        self._require_role(actor, Role.CONNECTOR)
        self._require_not_withdrawn()
        if self.advisory(advisory_id)["acknowledgement"] is not None:
            raise AlreadyAcknowledged("この注意喚起は確認済みです。", advisory_id=advisory_id)
        self._advisory_acknowledged(
            actor=actor.as_record(), advisory_id=advisory_id, text=clean_text(text, "text", required=True)
        )

    @event("AdvisoryAcknowledged")
    def _advisory_acknowledged(
        self, actor: dict[str, str], advisory_id: str, text: str, timestamp: datetime | None = None
    ) -> None:
        self.advisory(advisory_id)["acknowledgement"] = {
            "by": actor_ref(actor),
            "at": timestamp.isoformat() if timestamp else None,
            "text": text,
        }

    # ------------------------------------------------------------------ checklist revisions

    def adopt_edition(self, actor: Actor, edition: Edition, diff: EditionDiff) -> list[int]:
        """Move to a revised checklist edition, keeping the answers of unchanged items.
        Returns the numbers of this engagement's items that changed or were added."""
        self._require_role(actor, Role.REVIEWER, Role.SYSTEM)
        self._require_not_withdrawn()
        if edition.id == self.edition:
            raise WrongState(f"この案件は既に{edition.id}版を使用しています。")
        custom = {item["number"] for item in self.items if item["custom"]}
        clashes = sorted(custom & set(diff.added))
        if clashes:
            raise EditionConflict(
                f"新しい版で追加される通番を独自項目が使用しています: {'、'.join(map(str, clashes))}", items=clashes
            )
        mine = {item["number"]: item for item in self.items}
        updated = [_item_fields(edition.item(n)) for n in diff.changed if n in mine and mine[n]["dropped"] is None]
        added = [_item_fields(edition.item(n)) for n in diff.added]
        removed = [n for n in diff.removed if n in mine and mine[n]["dropped"] is None]
        self._edition_adopted(actor=actor.as_record(), edition=edition.id, updated=updated, added=added, removed=removed)
        return sorted({entry["number"] for entry in updated + added})

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
            self._item(entry["number"]).update(entry)
        for entry in added:
            self.items.append({**entry, "custom": False, "dropped": None, "answer": None, "judgement": None})
        self.items.sort(key=lambda item: item["number"])
        reason = f"チェックリスト改訂（{previous}版→{edition}版）で削除"
        for number in removed:
            item = self._item(number)
            item["dropped"] = {"reason": reason, "by": actor_ref(actor), "at": timestamp.isoformat() if timestamp else None}
            item["judgement"] = None
            if number in self.cycle["items"]:
                self.cycle["items"].remove(number)

    # ------------------------------------------------------------------ reminders

    def send_reminder(self, actor: Actor, *, kind: str, ref: str, stage: int, to: str, text: str) -> None:
        """Record a reminder (stage 1) or an escalation (stage 2) sent by the scheduler."""
        self._require_role(actor, Role.SYSTEM)
        self._require_not_withdrawn()
        key = reminder_key(kind, ref, stage)
        if key in self.reminders:
            raise AlreadyReminded("この督促は送信済みです。", key=key)
        if to not in ("bank", "connector", "both"):
            raise Invalid("通知先は bank、connector、both のいずれかです。", field="to")
        self._reminder_sent(actor=actor.as_record(), kind=kind, ref=ref, stage=stage, to=to, text=text)

    @event("ReminderSent")
    def _reminder_sent(self, actor: dict[str, str], kind: str, ref: str, stage: int, to: str, text: str) -> None:
        self.reminders.append(reminder_key(kind, ref, stage))

    # ------------------------------------------------------------------ withdrawal

    def withdraw(self, actor: Actor, reason: Any) -> None:
        """Either side ends the engagement (application withdrawn, or connection terminated)."""
        self._require_withdrawable(actor)
        self._withdrawn(actor=actor.as_record(), reason=clean_text(reason, "reason", required=True))

    @event("Withdrawn")
    def _withdrawn(self, actor: dict[str, str], reason: str, timestamp: datetime | None = None) -> None:
        self.withdrawal = {
            "reason": reason,
            "from_state": self.state,
            "by": actor_ref(actor),
            "at": timestamp.isoformat() if timestamp else None,
        }
        self.state = State.WITHDRAWN.value
