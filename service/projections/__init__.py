"""Read models fed from the event log (one projection class per read model)."""

from .audit_chain import AuditChainProjection
from .board import BoardProjection
from .inbox import InboxProjection
from .item_matrix import ItemMatrixProjection
from .runner import Projection, ProjectionRunner
from .timeline import TimelineProjection


def all_projections() -> list[Projection]:
    return [
        BoardProjection(),
        ItemMatrixProjection(),
        InboxProjection(),
        TimelineProjection(),
        AuditChainProjection(),
    ]


__all__ = ["Projection", "ProjectionRunner", "all_projections"]
