"""FISC advisories on an engagement: noticed once by the system or the liaison desk, acknowledged
once by the connector."""

from __future__ import annotations

import pytest

from service.domain.actors import SYSTEM_ACTOR
from service.domain.errors import (
    AdvisoryAlreadyNoticed,
    AdvisoryNotFound,
    AlreadyAcknowledged,
    Invalid,
    RoleNotAllowed,
)
from tests.unit.domain.builders import (
    ADMIN,
    AUDITOR,
    CONNECTOR,
    LIAISON,
    REVIEWER,
    monitoring_engagement,
    open_engagement,
)


@pytest.mark.parametrize("actor", [SYSTEM_ACTOR, LIAISON])
def test_system_or_liaison_notices_an_advisory(actor):
    eng = monitoring_engagement()
    eng.notice_advisory(actor, advisory_id="a1", title="脆弱性情報", items=[1, 3], respond_by="2026-05-01")
    advisory = eng.advisory("a1")
    assert advisory["title"] == "脆弱性情報"
    assert advisory["items"] == [1, 3]
    assert advisory["respond_by"] == "2026-05-01"
    assert advisory["noticed_at"] is not None
    assert advisory["acknowledgement"] is None
    assert eng.has_advisory("a1")
    assert not eng.has_advisory("a2")


def test_same_advisory_cannot_be_noticed_twice():
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    with pytest.raises(AdvisoryAlreadyNoticed):
        eng.notice_advisory(LIAISON, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    assert len(eng.advisories) == 1


@pytest.mark.parametrize("actor", [REVIEWER, CONNECTOR, AUDITOR, ADMIN])
def test_only_system_or_liaison_notices_an_advisory(actor):
    eng = monitoring_engagement()
    with pytest.raises(RoleNotAllowed):
        eng.notice_advisory(actor, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)


def test_connector_acknowledges_an_advisory_once():
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    eng.acknowledge_advisory(CONNECTOR, "a1", "対応済みです")
    acknowledgement = eng.advisory("a1")["acknowledgement"]
    assert acknowledgement["text"] == "対応済みです"
    assert acknowledgement["by"]["id"] == "u-con"
    assert acknowledgement["at"] is not None
    with pytest.raises(AlreadyAcknowledged):
        eng.acknowledge_advisory(CONNECTOR, "a1", "再度")


def test_acknowledgement_needs_text():
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    with pytest.raises(Invalid):
        eng.acknowledge_advisory(CONNECTOR, "a1", "")


@pytest.mark.parametrize("actor", [REVIEWER, AUDITOR, LIAISON, SYSTEM_ACTOR])
def test_reviewer_cannot_acknowledge_an_advisory(actor):
    eng = monitoring_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    with pytest.raises(RoleNotAllowed):
        eng.acknowledge_advisory(actor, "a1", "確認")


def test_unknown_advisory_is_not_found():
    eng = monitoring_engagement()
    with pytest.raises(AdvisoryNotFound):
        eng.acknowledge_advisory(CONNECTOR, "nope", "確認")
    with pytest.raises(AdvisoryNotFound):
        eng.advisory("nope")


def test_advisory_may_be_noticed_in_any_state_before_withdrawal():
    eng = open_engagement()
    eng.notice_advisory(SYSTEM_ACTOR, advisory_id="a1", title="注意喚起", items=[1], respond_by=None)
    eng.acknowledge_advisory(CONNECTOR, "a1", "確認")
    assert eng.advisory("a1")["acknowledgement"]["text"] == "確認"
