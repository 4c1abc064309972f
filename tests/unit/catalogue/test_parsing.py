"""The edition loader refuses a broken edition file, each time with a Japanese message that
names the place."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from service.catalogue import CatalogueError, load_edition
from service.domain.checklist import Edition
from tests.unit.catalogue.conftest import raw_edition


def _write(tmp_path: pathlib.Path, data: dict) -> pathlib.Path:
    path = tmp_path / "fisc-2019.03.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _refused(tmp_path: pathlib.Path, data: dict) -> str:
    with pytest.raises(CatalogueError) as info:
        load_edition(_write(tmp_path, data))
    return str(info.value)


def test_unmodified_copy_loads(tmp_path: pathlib.Path, edition: Edition) -> None:
    assert load_edition(_write(tmp_path, raw_edition())) == edition


def test_refuses_missing_objective(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    del data["items"][11]["objective"]
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番12: 項目 'objective' がありません"


def test_refuses_empty_objective(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][11]["objective"] = "  "
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番12: 項目 'objective' が空です"


def test_refuses_duplicate_number(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][12]["number"] = 12
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番12: 項目 'number' が前の項目と重複しています"


def test_refuses_43_items(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    del data["items"][-1]
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 項目 'items' には44項目が必要です（43項目）"


def test_refuses_bad_party(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][4]["party"] = "vendor"
    message = _refused(tmp_path, data)
    assert message == "fisc-2019.03.yaml: 通番5: 項目 'party' は connector、bank、common のいずれかです（指定値: 'vendor'）"


def test_refuses_unknown_key(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][20]["comment"] = "x"
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番21: 未知の項目 'comment' があります"


def test_refuses_unknown_key_in_method_and_top_level(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][1]["methods"][0]["note"] = "x"
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番2: 未知の項目 'methods[1].note' があります"
    data = raw_edition()
    data["version"] = 2
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 未知の項目 'version' があります"


def test_refuses_empty_method_text(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][29]["methods"][2]["text"] = ""
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番30: 項目 'methods[3].text' が空です"


def test_refuses_item_without_methods(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][6]["methods"] = []
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番7: 項目 'methods' が空です"


def test_refuses_empty_reference_location_and_note(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][21]["references"][1]["location"] = ""
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番22: 項目 'references[2].location' が空です"
    data = raw_edition()
    data["items"][0]["notes"].append("")
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番1: 項目 'notes[3]' が空です"


def test_refuses_wrong_chapter_or_category(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][9]["chapter"] = 1
    assert _refused(tmp_path, data) == (
        "fisc-2019.03.yaml: 通番10: 項目 'chapter' が1ですが、この通番は区分2に属します"
    )
    data = raw_edition()
    data["items"][35]["category"] = "API セキュリティ機能"
    assert _refused(tmp_path, data) == (
        "fisc-2019.03.yaml: 通番36: 項目 'category' が'API セキュリティ機能'ですが、"
        "区分8は'APIセキュリティ機能'です"
    )


def test_refuses_wrong_types(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["items"][2]["chapter"] = "1"
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: 通番3: 項目 'chapter' は整数で指定してください（指定値の型: str）"
    data = raw_edition()
    data["glossary"][0]["pages"] = 27
    assert _refused(tmp_path, data) == "fisc-2019.03.yaml: glossary[1]: 項目 'pages' は文字列で指定してください（指定値の型: int）"


def test_refuses_category_gap(tmp_path: pathlib.Path) -> None:
    data = raw_edition()
    data["categories"][1]["numbers"] = [11, 11]
    assert _refused(tmp_path, data) == (
        "fisc-2019.03.yaml: 区分2: 項目 'numbers' は10から始めてください（指定値: 11。各区分の範囲で"
        "1〜44を隙間も重なりもなく覆います）"
    )


def test_refuses_malformed_categories_and_shapes_in_japanese(tmp_path: pathlib.Path) -> None:
    cases = [
        (lambda d: d["categories"][1].update(numbers=[10]), "区分2: 項目 'numbers' は [最初の通番, 最後の通番] で指定してください（指定値: [10]）"),
        (lambda d: d["categories"][1].update(numbers=[18, 10]), "区分2: 項目 'numbers' の範囲 [18, 10] が空です"),
        (lambda d: d["categories"][1].update(chapter=1), "区分1: 項目 'chapter' は前の区分で使われています"),
        (lambda d: d["categories"][1].update(name=d["categories"][0]["name"]), "区分2: 項目 'name' の '情報・セキュリティ管理態勢' は前の区分で使われています"),
        (lambda d: d["categories"][-1].update(numbers=[43, 43]), "項目 'categories' の範囲は1〜43です（1〜44が必要です）"),
        (lambda d: d.update(categories={}), "項目 'categories' はリストで指定してください（指定値の型: dict）"),
        (lambda d: d["categories"].__setitem__(0, "x"), "categories[1]: 区分はマッピングで指定してください（指定値の型: str）"),
        (lambda d: d["items"].__setitem__(2, ["x"]), "items[3]: チェック項目はマッピングで指定してください（指定値の型: list）"),
        (lambda d: d["items"][2].pop("number"), "items[3]: 項目 'number' がありません"),
        (lambda d: d["items"][2].update(number=4), "通番4: 項目 'number' が順番どおりではありません（この位置は通番3です）"),
        (lambda d: d["items"][1]["methods"].__setitem__(0, "x"), "通番2: 項目 'methods[1]' はマッピングで指定してください（指定値の型: str）"),
        (lambda d: d["items"][1]["methods"][0].pop("group"), "通番2: 項目 'methods[1].group' がありません"),
        (lambda d: d["glossary"].__setitem__(0, 1), "glossary[1]: 用語はマッピングで指定してください（指定値の型: int）"),
    ]
    for change, problem in cases:
        data = raw_edition()
        change(data)
        assert _refused(tmp_path, data) == f"fisc-2019.03.yaml: {problem}"
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_edition(path)
    assert str(info.value) == "list.yaml: 版の文書はマッピングで指定してください（指定値の型: list）"


def test_unreadable_files_are_refused_in_japanese_with_the_position(tmp_path: pathlib.Path) -> None:
    """The YAML library's own (English) text stays on the chained exception, for the log."""
    path = tmp_path / "broken.yaml"
    path.write_text("edition: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_edition(path)
    assert str(info.value) == "broken.yaml: ファイルをYAMLとして読み取れません（2行1列）"
    assert isinstance(info.value.__cause__, yaml.YAMLError)
    path.write_text("edition: x\x00\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_edition(path)
    assert str(info.value) == "broken.yaml: ファイルをYAMLとして読み取れません（11文字目に使えない文字があります）"
    path.write_bytes(b"edition: \xff\n")
    with pytest.raises(CatalogueError) as info:
        load_edition(path)
    assert str(info.value) == "broken.yaml: ファイルをUTF-8として読み取れません（10バイト目）"
    with pytest.raises(CatalogueError) as info:
        load_edition(tmp_path / "absent.yaml")
    assert str(info.value) == "absent.yaml: ファイルを読み取れません（FileNotFoundError）"
