"""The review conversation: answers, submission, questions and replies, verdicts per
item, the decision and its conditions."""

from __future__ import annotations

import uuid
from typing import Any, Iterable

from ..domain.actors import Actor
from ..domain.answer_library import usable_on
from ..domain.concurrency import item_scope, question_scope
from ..domain.engagement import Engagement
from ..domain.errors import Invalid
from .base import UseCases, retried


class Review(UseCases):
    @retried
    def save_answer(
        self, actor: Actor, engagement_id: Any, number: int, *, expected_version: Any = None, **answer: Any
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version, item_scope(number))
        engagement.save_answer(actor, number, **answer)
        return self._save(engagement)

    @retried
    def submit(self, actor: Actor, engagement_id: Any, *, expected_version: Any = None) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.submit(actor)
        return self._save(engagement)

    @retried
    def ask_question(
        self, actor: Actor, engagement_id: Any, number: int, text: Any, *, expected_version: Any = None
    ) -> tuple[str, Engagement]:
        engagement = self.store.for_update(actor, engagement_id, expected_version, item_scope(number))
        question_id = str(uuid.uuid4())
        engagement.ask_question(actor, number, text, question_id)
        return question_id, self._save(engagement)

    @retried
    def post_reply(
        self, actor: Actor, engagement_id: Any, question_id: str, text: Any, *, expected_version: Any = None
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version, question_scope(question_id))
        engagement.post_reply(actor, question_id, text)
        return self._save(engagement)

    @retried
    def close_question(
        self, actor: Actor, engagement_id: Any, question_id: str, *, expected_version: Any = None
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version, question_scope(question_id))
        engagement.close_question(actor, question_id)
        return self._save(engagement)

    @retried
    def judge_item(
        self,
        actor: Actor,
        engagement_id: Any,
        number: int,
        *,
        verdict: Any,
        comment: Any = "",
        certification_id: str | None = None,
        expected_version: Any = None,
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version, item_scope(number))
        certification = self._accepted_certification(engagement, number, certification_id) if certification_id else None
        engagement.judge_item(actor, number, verdict, comment, certification)
        return self._save(engagement)

    def _accepted_certification(self, engagement: Engagement, number: int, certification_id: str) -> dict[str, Any]:
        """A certification of the engagement's connector, valid today and covering the item."""
        library = self.store.stored_library(engagement.connector["id"])
        if library is None:
            raise Invalid("API接続先は第三者認証を登録していません。", field="certification_id")
        certification = library.certification(certification_id)
        if not usable_on(certification, self.store.today().isoformat()):
            raise Invalid("この第三者認証は本日時点で有効ではありません。", field="certification_id")
        if number not in certification["items"]:
            raise Invalid(f"この第三者認証は通番{number}を対象としていません。", field="certification_id")
        return {key: certification[key] for key in ("id", "kind", "issuer", "valid_until")}

    @retried
    def decide(
        self,
        actor: Actor,
        engagement_id: Any,
        *,
        outcome: Any,
        comment: Any,
        conditions: Iterable[dict[str, Any]] = (),
        next_review_on: Any = None,
        expected_version: Any = None,
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.decide(
            actor,
            outcome=outcome,
            comment=comment,
            conditions=conditions,
            decided_on=self.store.today(),
            next_review_on=next_review_on,
        )
        return self._save(engagement)

    @retried
    def fulfil_condition(
        self, actor: Actor, engagement_id: Any, condition_id: str, *, comment: Any = "", expected_version: Any = None
    ) -> Engagement:
        engagement = self.store.for_update(actor, engagement_id, expected_version)
        engagement.fulfil_condition(actor, condition_id, comment)
        return self._save(engagement)
