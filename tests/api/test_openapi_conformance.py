"""schemathesis drives every documented operation with generated (valid and invalid)
input against the real app on each store: no 500, and every response conforms to
the OpenAPI document."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from schemathesis.specs.openapi import checks


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_every_operation_conforms_to_the_document(app, callers, people):
    """Half the generated cases are aimed at a real engagement (and a real item) so
    the fuzzed bodies reach the handlers, not just the 404 path."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {callers.reviewer.token}"}
    engagement = callers.reviewer.post(
        "/engagements", json={"connector_org_id": people.connector.org_id, "title": "ファジング"}
    ).json
    counter = iter(range(1_000_000))
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/auth/logout":
            continue  # would revoke the token the other operations use; covered in test_bad_input

        @given(case=operation.as_strategy())
        @SETTINGS
        def conforms(case):
            turn = next(counter)
            if turn % 2 == 0 and "engagement_id" in (case.path_parameters or {}):
                case.path_parameters["engagement_id"] = engagement["id"]
                if "number" in case.path_parameters and turn % 4 == 0:
                    case.path_parameters["number"] = 9
            case.call_and_validate(headers=headers, excluded_checks=[checks.positive_data_acceptance])

        conforms()
        tried.append(f"{operation.method.upper()} {operation.path}")
    assert len(tried) >= 17


def test_the_document_lists_every_contract_route(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    expected = {
        ("post", "/api/v1/auth/token"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/checklist/current"),
        ("get", "/api/v1/engagements"),
        ("post", "/api/v1/engagements"),
        ("get", "/api/v1/engagements/{engagement_id}"),
        ("put", "/api/v1/engagements/{engagement_id}/items/{number}/answer"),
        ("post", "/api/v1/engagements/{engagement_id}/submit"),
        ("post", "/api/v1/engagements/{engagement_id}/items/{number}/questions"),
        ("post", "/api/v1/engagements/{engagement_id}/questions/{question_id}/replies"),
        ("post", "/api/v1/engagements/{engagement_id}/questions/{question_id}/close"),
        ("put", "/api/v1/engagements/{engagement_id}/items/{number}/judgement"),
        ("post", "/api/v1/engagements/{engagement_id}/decision"),
        ("get", "/api/v1/engagements/{engagement_id}/timeline"),
        ("get", "/api/v1/inbox"),
    }
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert expected <= documented
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (method, path) != ("post", "/api/v1/auth/token"):
                assert "401" in operation["responses"], (method, path)
