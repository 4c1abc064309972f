"""Read models fed from the event log (one projection class per read model)."""

from .advisories import AdvisoryProjection
from .audit_chain import AuditChainProjection
from .board import BoardProjection
from .inbox import InboxProjection
from .item_matrix import ItemMatrixProjection
from .libraries import LibraryProjection
from .notifications import NotificationProjection
from .runner import Projection, ProjectionRunner
from .timeline import TimelineProjection


def all_projections(base_url: str = "http://127.0.0.1:8000") -> list[Projection]:
    """One projection per read model; ``base_url`` is where e-mails link to."""
    return [
        BoardProjection(),
        ItemMatrixProjection(),
        InboxProjection(),
        TimelineProjection(),
        AdvisoryProjection(),
        LibraryProjection(),
        NotificationProjection(base_url),
        AuditChainProjection(),
    ]


__all__ = ["Projection", "ProjectionRunner", "all_projections"]
