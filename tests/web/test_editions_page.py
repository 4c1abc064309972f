"""The liaison desk publishes a revised edition by uploading it; the diff is shown."""

from __future__ import annotations

import html
import io
import json
import re

import yaml

from tests.jobs.test_editions import revised
from tests.web.test_japanese_everywhere import ENGLISH
from tests.web.test_page_security import csrf_from, log_in

ALERT = re.compile(r'<span class="field-error" role="alert">(.*?)</span>', re.DOTALL)


def upload(client, data: bytes, name: str = "edition.json"):
    token = csrf_from(client.get("/catalogue/editions").get_data(as_text=True))
    return client.post(
        "/catalogue/editions",
        data={"csrf_token": token, "document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def alert_of(response) -> str:
    """The upload form's error text, as the liaison reads it."""
    return html.unescape(ALERT.search(response.get_data(as_text=True)).group(1))


def test_liaison_uploads_a_revision_and_sees_its_diff(app, client, people):
    container = app.extensions["container"]
    log_in(client, "desk@fisc.example")
    assert upload(client, b"").status_code == 422
    bad = upload(client, b"{not: [valid", "x.yaml")
    assert bad.status_code == 422 and "読み取れません" in bad.get_data(as_text=True)
    broken = revised(container)
    broken["items"][0]["party"] = "everyone"
    refused = upload(client, json.dumps(broken).encode())
    assert refused.status_code == 422
    assert "通番1: 項目 'party' は connector、bank、common のいずれかです（指定値: 'everyone'）" in alert_of(refused)
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


def test_a_broken_edition_is_refused_in_japanese_naming_the_item_and_the_field(app, client, people):
    container = app.extensions["container"]
    log_in(client, "desk@fisc.example")
    broken = revised(container)
    broken["items"][-1]["number"] = 50  # the last category covers 43–45
    refused = upload(client, yaml.safe_dump(broken, allow_unicode=True).encode(), "fisc-2024.03.yaml")
    assert refused.status_code == 422
    alert = alert_of(refused)
    assert alert.startswith("チェックリストの版の内容に誤りがあります（")
    assert alert.endswith("通番50: 項目 'number' は1〜45の範囲で昇順に並べてください）。")
    assert ENGLISH.search(alert) is None, alert
    broken = revised(container)
    broken["items"][20]["methods"][0]["note"] = "補足"
    refused = upload(client, json.dumps(broken, ensure_ascii=False).encode())
    assert refused.status_code == 422
    assert alert_of(refused).endswith("通番22: 未知の項目 'methods[1].note' があります）。")
    assert container.editions.ids() == ["2019.03"]  # nothing was published
