"""Read models fed from the event log (one projection class per read model)."""

from .advisories import AdvisoryProjection
from .audit_chain import AuditChainProjection
from .board import BoardProjection
from .change_reports import ChangeReportProjection
from .inbox import InboxProjection
from .item_matrix import ItemMatrixProjection
from .libraries import LibraryProjection
from .notifications import NotificationProjection
from .runner import Projection, ProjectionRunner
from .timeline import TimelineProjection


def all_projections() -> list[Projection]:
    """One projection per read model."""
    return [
        BoardProjection(),
        ItemMatrixProjection(),
        InboxProjection(),
        TimelineProjection(),
        AdvisoryProjection(),
        LibraryProjection(),
        NotificationProjection(),
        AuditChainProjection(),
        ChangeReportProjection(),
    ]


__all__ = ["Projection", "ProjectionRunner", "all_projections"]
