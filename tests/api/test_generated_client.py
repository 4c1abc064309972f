"""An integrator's view of the OpenAPI document: openapi-python-client generates a client
from the document a live server serves, without a warning (a dropped model or response
means raw JSON for that integrator), and that client drives a whole review over real HTTP
with its typed models — every response parsed into the documented class, errors too."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import httpx
import pytest
from werkzeug.serving import make_server

from service.app import create_app
from tests.integration.conftest import PASSWORD

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "fisc_client"


@pytest.fixture
def live_api(container, people) -> Iterator[str]:
    """The app on the test store behind a real HTTP server on a free loopback port."""
    server = make_server("127.0.0.1", 0, create_app(container), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def generated(live_api: str, tmp_path: Path) -> Iterator[SimpleNamespace]:
    """The client generated from the live document, imported from ``tmp_path``."""
    document = httpx.get(f"{live_api}/api/v1/openapi.json").raise_for_status().json()
    (tmp_path / "openapi.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"post_hooks: []\nproject_name_override: fisc-client\npackage_name_override: {PACKAGE}\n")
    command = [str(GENERATOR), "generate", "--path", str(tmp_path / "openapi.json"), "--output-path", str(tmp_path / "client"), "--config", str(config)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Warning" not in output, output
    sys.path.insert(0, str(tmp_path / "client"))
    _forget_package()
    try:
        package = importlib.import_module(PACKAGE)
        api = importlib.import_module(f"{PACKAGE}.api")
        operations = {
            found.name.rsplit(".", 1)[-1]: importlib.import_module(found.name)
            for found in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.api.")
            if not found.ispkg
        }
        yield SimpleNamespace(
            base=live_api, package=package, models=importlib.import_module(f"{PACKAGE}.models"), ops=SimpleNamespace(**operations)
        )
    finally:
        sys.path.remove(str(tmp_path / "client"))
        _forget_package()


def _forget_package() -> None:
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def parsed(response, status: int, model: type):
    """The response's parsed body, checked to be of the documented class."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert isinstance(response.parsed, model), type(response.parsed)
    return response.parsed


@pytest.mark.slow
def test_a_generated_client_drives_a_whole_review(generated, people):
    m, ops, package = generated.models, generated.ops, generated.package
    anonymous = package.Client(base_url=generated.base, raise_on_unexpected_status=True)

    def log_in(email: str) -> ModuleType:
        token = parsed(ops.issue_token.sync_detailed(client=anonymous, body=m.TokenRequest(email=email, password=PASSWORD)), 200, m.TokenResponse)
        return package.AuthenticatedClient(base_url=generated.base, token=token.token, raise_on_unexpected_status=True)

    reviewer, connector = log_in("reviewer@bank.example"), log_in("staff@fintech.example")
    assert len(parsed(ops.checklist_current.sync_detailed(client=connector), 200, m.ChecklistOut).items) == 44

    opened = m.OpenEngagementIn(
        connector_org_id=people.connector.org_id,
        title="家計簿アプリ 参照系API",
        dropped_items=[m.DroppedItemIn(number=33, reason="アプリを提供しない")],
        custom_items=[m.CustomItemIn(objective="当行の利用規約に同意する。", party=m.CustomItemInParty.CONNECTOR)],
    )
    engagement = parsed(ops.open_engagement.sync_detailed(client=reviewer, body=opened), 201, m.EngagementOut)
    eid = engagement.id
    board = parsed(ops.list_engagements.sync_detailed(client=connector), 200, list)
    assert [type(row) for row in board] == [m.EngagementSummary] and board[0].id == eid

    early = parsed(ops.submit.sync_detailed(engagement_id=eid, client=connector), 409, m.ErrorResponse)
    assert early.error.code == "answers_missing" and 1 in early.error.items

    sides = ((connector, (m.ItemOutParty.CONNECTOR, m.ItemOutParty.COMMON)), (reviewer, (m.ItemOutParty.BANK,)))
    for caller, parties in sides:
        for item in engagement.items:
            if item.party in parties and item.dropped is None and item.in_cycle:
                answer = m.AnswerIn(status=m.AnswerInStatus.IMPLEMENTED, current_state="実施している。", expected_version=engagement.version)
                response = ops.save_answer.sync_detailed(engagement_id=eid, number=item.number, client=caller, body=answer)
                engagement, last = parsed(response, 200, m.EngagementOut), item.number
    first = engagement.items[0].answer
    assert isinstance(first, m.AnswerOut) and first.status is m.AnswerOutStatus.IMPLEMENTED and first.by.org == "フィンテック株式会社"
    stale = m.AnswerIn(status=m.AnswerInStatus.PARTIAL, current_state="古い版", expected_version=engagement.version - 1)
    conflict = parsed(ops.save_answer.sync_detailed(engagement_id=eid, number=last, client=reviewer, body=stale), 409, m.ErrorResponse)
    assert conflict.error.code == "stale_version" and conflict.error.current_version == engagement.version
    assert conflict.error.changed.item == last and conflict.error.changed.type_ == "AnswerSaved"  # what changed since

    submitted = ops.submit.sync_detailed(engagement_id=eid, client=connector, body=m.VersionIn(expected_version=engagement.version))
    assert parsed(submitted, 200, m.EngagementOut).state is m.EngagementOutState.SUBMITTED

    asked = parsed(ops.ask_question.sync_detailed(engagement_id=eid, number=22, client=reviewer, body=m.TextIn(text="多要素認証の方式は？")), 201, m.QuestionCreated)
    inbox = parsed(ops.get_inbox.sync_detailed(client=connector), 200, list)
    assert [(type(e), e.kind) for e in inbox] == [(m.InboxEntry, m.InboxEntryKind.QUESTION_TO_ANSWER)]
    reply = m.TextIn(text="ハードウェアトークンです。")
    replied = parsed(ops.post_reply.sync_detailed(engagement_id=eid, question_id=asked.question_id, client=connector, body=reply), 201, m.EngagementOut)
    assert replied.questions[0].posts[-1].text == "ハードウェアトークンです。" and replied.items[21].open_questions == 1
    closed = parsed(ops.close_question.sync_detailed(engagement_id=eid, question_id=asked.question_id, client=reviewer), 200, m.EngagementOut)
    assert closed.questions[0].open_ is False  # the generator renames the Python keyword

    for item in closed.items:
        if item.dropped is None:
            verdict = m.JudgementIn(verdict=m.JudgementInVerdict.SATISFIED, comment="確認済み")
            engagement = parsed(ops.judge_item.sync_detailed(engagement_id=eid, number=item.number, client=reviewer, body=verdict), 200, m.EngagementOut)
    assert engagement.items[0].judgement.verdict is m.JudgementOutVerdict.SATISFIED
    empty = m.DecisionIn(outcome=m.DecisionInOutcome.APPROVED, comment="")
    refused = parsed(ops.decide.sync_detailed(engagement_id=eid, client=reviewer, body=empty), 422, m.ErrorResponse).error
    assert refused.code == "validation_error" and refused.field == "comment"
    assert [(type(problem), problem.loc) for problem in refused.errors] == [(m.FieldProblem, ["comment"])]
    decision = m.DecisionIn(outcome=m.DecisionInOutcome.APPROVED, comment="承認", expected_version=engagement.version)
    decided = parsed(ops.decide.sync_detailed(engagement_id=eid, client=reviewer, body=decision), 200, m.EngagementOut)
    assert decided.state is m.EngagementOutState.MONITORING and decided.decision.outcome is m.DecisionOutOutcome.APPROVED

    again = parsed(ops.get_engagement.sync_detailed(engagement_id=eid, client=connector), 200, m.EngagementOut)
    assert again.version == decided.version and again.next_review_on is not None
    timeline = parsed(ops.get_timeline.sync_detailed(engagement_id=eid, client=reviewer), 200, list)
    assert all(isinstance(entry, m.TimelineEntry) for entry in timeline)
    assert (timeline[0].type_, timeline[-1].type_, len(timeline)) == ("Opened", "Decided", decided.version)
