"""The web app's Jinja environment and the review page's per-value helpers."""

from __future__ import annotations

from flask import Flask

from service.web.filters import code_options, code_radios
from service.web.templating import ViewEnvironment


def render(source: str, **context) -> str:
    app = Flask(__name__)
    app.jinja_environment = ViewEnvironment
    with app.app_context():
        return app.jinja_env.from_string(source).render(**context)


def test_dict_keys_read_as_attributes_as_in_plain_jinja():
    view = {"name": "通番1", "items": [1, 2], "note": None}
    assert render("{{ v.name }}", v=view) == "通番1"
    assert render("{{ v.note is none }}", v=view) == "True"
    assert render("{{ v.missing is undefined }}", v=view) == "True"
    assert render("{{ v['items'] | length }}", v=view) == "2"
    # a dict's own attributes still win over its keys, exactly as Jinja's default does
    assert render("{{ v.items() | list | length }}", v=view) == "3"
    assert render("{{ v.get('name') }}", v=view) == "通番1"


def test_attribute_lookup_on_objects_is_unchanged():
    class Item:
        number = 7

    assert render("{{ i.number }}", i=Item()) == "7"
    assert render("{{ i.absent is undefined }}", i=Item()) == "True"


def test_code_options_and_radios_mark_the_current_value_and_escape_labels():
    options = str(code_options("verdict", "unsatisfied"))
    assert options.count("<option") == 4 and options.count(" selected") == 1
    assert '<option value="unsatisfied" selected>' in options
    assert " selected" not in str(code_options("verdict", ""))
    radios = str(code_radios("outcome", "outcome", "approved"))
    assert radios.count('type="radio" name="outcome"') == radios.count("<label") and ' value="approved" checked>' in radios
    assert code_options("verdict", "satisfied") is code_options("verdict", "satisfied")  # built once per value
