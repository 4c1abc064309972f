"""Which events a projection reads decides which notifications are decoded for it."""

from __future__ import annotations

from eventsourcing.utils import get_topic

from service.domain.advisory import Advisory
from service.domain.engagement import Engagement
from service.projections import all_projections
from service.projections.runner import Projection

ANSWER_SAVED = get_topic(Engagement.AnswerSaved)
OPENED = get_topic(Engagement.Opened)
PUBLISHED = get_topic(Advisory.Published)


class OpenedOnly(Projection):
    name = "opened_only"

    def on_Opened(self, connection, event, position):  # noqa: ANN001 - handler signature
        pass


class EveryEvent(Projection):
    name = "every_event"

    def apply(self, connection, event, position):  # noqa: ANN001 - handler signature
        pass


class Raw(Projection):
    name = "raw"
    raw = True


def test_a_projection_reads_the_events_it_has_a_handler_for():
    projection = OpenedOnly()
    assert projection.reads(OPENED)
    assert not projection.reads(ANSWER_SAVED)


def test_a_projection_that_overrides_apply_reads_every_event_of_its_aggregates_only():
    projection = EveryEvent()
    assert projection.reads(OPENED) and projection.reads(ANSWER_SAVED)
    assert not projection.reads(PUBLISHED)  # another aggregate's event


def test_a_raw_projection_reads_no_decoded_event():
    assert not Raw().reads(OPENED)


def test_the_read_models_skip_what_they_do_not_handle():
    reading = {p.name for p in all_projections() if p.reads(ANSWER_SAVED)}
    assert reading == {"board", "item_matrix", "timeline", "notifications"}
