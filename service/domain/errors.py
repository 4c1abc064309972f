"""Named domain errors.

Each error has a machine-readable ``code`` (snake_case, used by the API) and a
``kind`` that the web and API layers map to an HTTP status in one place.
Human-readable Japanese texts live in ``service.messages``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    kind = "conflict"  # one of: invalid, forbidden, not_found, conflict
    probe = True  # a forbidden/not_found of this kind may be someone probing: security-logged

    def __init__(self, detail: str = "", **context: Any) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.context = context


# --- unauthenticated (401) ---------------------------------------------------------------


class Unauthenticated(DomainError):
    code = "unauthenticated"
    kind = "unauthenticated"


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


class AccountLocked(Unauthenticated):
    """Too many failed logins for this e-mail address; try again later."""

    code = "account_locked"


class TotpRequired(Unauthenticated):
    code = "totp_required"


class InvalidToken(Unauthenticated):
    code = "invalid_token"


# --- not found (404): missing, or belongs to another organisation ---------------------


class NotFound(DomainError):
    code = "not_found"
    kind = "not_found"


class EngagementNotFound(NotFound):
    code = "engagement_not_found"


class EngagementNotYetOpened(EngagementNotFound):
    """The as-of instant lies before the engagement's first event (asked by one who may see it)."""

    code = "engagement_not_yet_opened"
    probe = False


class ItemNotFound(NotFound):
    code = "item_not_found"


class QuestionNotFound(NotFound):
    code = "question_not_found"


class AdvisoryNotFound(NotFound):
    code = "advisory_not_found"


class ConditionNotFound(NotFound):
    code = "condition_not_found"


class OrgNotFound(NotFound):
    code = "org_not_found"


class UserNotFound(NotFound):
    code = "user_not_found"


# --- forbidden (403): the caller's role may not do this --------------------------------


class Forbidden(DomainError):
    code = "forbidden"
    kind = "forbidden"


class RoleNotAllowed(Forbidden):
    code = "role_not_allowed"


class NotPartyOfItem(Forbidden):
    """The item's 対象者 does not include the caller's side."""

    code = "not_party_of_item"


# --- conflict (409): the engagement's state does not allow it --------------------------


class Conflict(DomainError):
    code = "conflict"
    kind = "conflict"


class WrongState(Conflict):
    code = "wrong_state"


class ItemNotDropped(Conflict):
    """Only a dropped item can be restored."""

    code = "item_not_dropped"


class PlanNotProposed(Conflict):
    code = "plan_not_proposed"


class PlanNeedsOtherSide(Conflict):
    """A side does not agree to its own proposal."""

    code = "plan_needs_other_side"


class PenNotHeld(Conflict):
    """The connector may edit an answer only while it holds the pen."""

    code = "pen_not_held"


class AnswersMissing(Conflict):
    code = "answers_missing"


class QuestionsOpen(Conflict):
    code = "questions_open"


class ItemsNotJudged(Conflict):
    code = "items_not_judged"


class ItemIsDropped(Conflict):
    code = "item_dropped"


class ItemNotInCycle(Conflict):
    code = "item_not_in_cycle"


class QuestionClosed(Conflict):
    code = "question_closed"


class AlreadyAcknowledged(Conflict):
    code = "already_acknowledged"


class AdvisoryAlreadyNoticed(Conflict):
    code = "advisory_already_noticed"


class AlreadyReminded(Conflict):
    code = "already_reminded"


class ConditionAlreadyFulfilled(Conflict):
    code = "condition_already_fulfilled"


class EditionConflict(Conflict):
    """A revised edition adds an item whose number a custom item of this engagement uses."""

    code = "edition_conflict"


class StaleVersion(Conflict):
    """``expected_version`` is behind the stored version (or a concurrent write won)."""

    code = "stale_version"


class DuplicateEmail(Conflict):
    code = "duplicate_email"


class LastAdmin(Conflict):
    """Disabling this admin would leave its organisation without an active admin (or it is the caller)."""

    code = "last_admin"


class DuplicateOrgName(Conflict):
    code = "duplicate_org_name"


# --- invalid (422): well-formed but unacceptable values --------------------------------


class Invalid(DomainError):
    code = "validation_error"
    kind = "invalid"


class ControlCharacters(Invalid):
    """Typed text holds a control character (they break mail headers, spreadsheets and logs)."""

    code = "control_characters"


class OfficeFileRefused(Invalid):
    """An uploaded Office file breaks the package rule (macros, zip bombs, climbing names, DTDs)."""

    code = "office_file_refused"


class DateNotAhead(Invalid):
    """A date that must lie ahead (due date, 回答期限, monitoring date) is today or earlier."""

    code = "date_not_ahead"


class AsOfInFuture(Invalid):
    code = "as_of_in_future"
