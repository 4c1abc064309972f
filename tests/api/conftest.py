from __future__ import annotations

from dataclasses import dataclass

import pytest

from service.app import create_app
from tests.integration.conftest import PASSWORD, People, people  # noqa: F401 - fixtures shared with integration


@pytest.fixture
def app(container):
    app = create_app(container)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Caller:
    """A logged-in API client for one user."""

    client: object
    token: str

    def _call(self, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return getattr(self.client, method)(f"/api/v1{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self._call("get", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self._call("post", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self._call("put", path, **kwargs)


def login(client, email: str) -> Caller:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return Caller(client, response.json["token"])


@dataclass
class Callers:
    reviewer: Caller
    auditor: Caller
    connector: Caller
    other_reviewer: Caller
    other_connector: Caller
    liaison: Caller
    admin: Caller


@pytest.fixture
def callers(client, people) -> Callers:
    return Callers(
        reviewer=login(client, "reviewer@bank.example"),
        auditor=login(client, "auditor@bank.example"),
        connector=login(client, "staff@fintech.example"),
        other_reviewer=login(client, "reviewer@other-bank.example"),
        other_connector=login(client, "staff@other.example"),
        liaison=login(client, "desk@fisc.example"),
        admin=login(client, "admin@bank.example"),
    )
