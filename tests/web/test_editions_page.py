"""The liaison desk publishes a revised edition by uploading it; the diff is shown."""

from __future__ import annotations

import io
import json
import re

from tests.jobs.test_editions import revised
from tests.web.test_page_security import csrf_from, log_in


def upload(client, data: bytes, name: str = "edition.json"):
    token = csrf_from(client.get("/catalogue/editions").get_data(as_text=True))
    return client.post(
        "/catalogue/editions",
        data={"csrf_token": token, "document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_liaison_uploads_a_revision_and_sees_its_diff(app, client, people):
    container = app.extensions["container"]
    log_in(client, "desk@fisc.example")
    assert upload(client, b"").status_code == 422
    bad = upload(client, b"{not: [valid", "x.yaml")
    assert bad.status_code == 422 and "読み取れません" in bad.get_data(as_text=True)
    broken = revised(container)
    broken["items"][0]["party"] = "everyone"
    refused = upload(client, json.dumps(broken).encode())
    assert refused.status_code == 422 and "item 1" in refused.get_data(as_text=True)
    document = json.dumps(revised(container), ensure_ascii=False).encode()
    done = upload(client, document)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "2024.03版を公表しました" in html
    assert re.search(r"変更: 通番22・追加: 通番45・削除: 通番8", html)
    assert upload(client, document).status_code == 409


def test_only_the_liaison_may_upload(client, people):
    log_in(client, "reviewer@bank.example")
    token = csrf_from(client.get("/catalogue/").get_data(as_text=True) or "")  # any page carries a token
    response = client.post("/catalogue/editions", data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 403
