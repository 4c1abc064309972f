"""Files of an engagement: evidence uploads and downloads, and the FISC フォーマット as Excel."""

from __future__ import annotations

from flask import Blueprint, g
from spectree import Response

from ..domain.codes import Role
from ..http.files import XLSX_TYPE, file_response, xlsx_filename
from .operations import ENGAGEMENT_READERS, container, errors, form_body, operation, responses, write_result
from .schemas.engagements import EngagementOut
from .schemas.files import EvidenceForm, XlsxForm

bp = Blueprint("files", __name__)


@bp.post("/engagements/<engagement_id>/items/<int:number>/evidence")
@operation(Role.CONNECTOR, Role.REVIEWER, form=EvidenceForm, resp=responses(HTTP_201=EngagementOut), tags=["answers"])
def attach_evidence(engagement_id: str, number: int):
    """Attach an evidence file to an item (PDF, PNG, JPEG, text, CSV, xlsx, docx; ≤ 5 MB)."""
    form = form_body()
    engagement = container().files.attach_evidence(
        g.actor, engagement_id, number, data=form.file.read(), filename=form.file.filename or "", expected_version=form.expected_version
    )
    return write_result(engagement, 201)


@bp.get("/engagements/<engagement_id>/evidence/<sha256>")
@operation(*ENGAGEMENT_READERS, resp=Response(HTTP_200=None, **errors(401, 403, 404)), tags=["answers"])
def evidence_file(engagement_id: str, sha256: str):
    """Download an evidence file attached to the engagement."""
    return file_response(*container().files.evidence_file(g.actor, engagement_id, sha256))


@bp.get("/engagements/<engagement_id>/export.xlsx")
@operation(*ENGAGEMENT_READERS, resp=Response(HTTP_200=None, **errors(401, 403, 404)), tags=["excel"])
def export_xlsx(engagement_id: str):
    """The フォーマット sheet (plus the Q&A and verdict sheets for the bank side)."""
    data, engagement = container().files.export_xlsx(g.actor, engagement_id)
    return file_response(data, {"filename": xlsx_filename(engagement), "content_type": XLSX_TYPE})


@bp.post("/engagements/<engagement_id>/import.xlsx")
@operation(Role.CONNECTOR, Role.REVIEWER, form=XlsxForm, resp=responses(HTTP_200=EngagementOut), tags=["excel"])
def import_xlsx(engagement_id: str):
    """Import a filled フォーマット (columns found by header name), all or nothing;
    422 lists every bad cell as {"sheet","cell","message"}."""
    form = form_body()
    engagement = container().files.import_xlsx(
        g.actor, engagement_id, form.file.read(), expected_version=form.expected_version
    )
    return write_result(engagement)
