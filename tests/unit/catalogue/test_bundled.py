"""The bundled FISC「API接続チェックリスト」 edition: its content, character for character
against the 解説書, and the editions shipped with the service."""

from __future__ import annotations

import collections
import pathlib
import re

import pytest

from service.catalogue import bundled_editions, current_edition
from service.domain.checklist import Edition, Party, Reference

FIXTURE = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "fisc_kaisetsusho.txt"


@pytest.fixture(scope="module")
def seed_text() -> str:
    """The 解説書 text with all whitespace removed (PDF line wraps, indentation, blank lines).

    The superscript footnote mark "8" of item 10's explanation is dropped, as in the catalogue
    (the footnote itself is item 10's last note "※8 …").
    """
    text = re.sub(r"\s+", "", FIXTURE.read_text(encoding="utf-8"))
    marked = "外部委託（クラウドサービスの利用を含む）8を行う場合"
    assert text.count(marked) == 1
    return text.replace(marked, marked.replace("8", ""))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ counts


def test_edition_header(edition: Edition) -> None:
    assert edition.id == "2019.03"
    assert edition.title == "API接続チェックリスト（2019年3月版）"
    assert edition.published == "2019-03"


def test_44_unique_numbers_in_order(edition: Edition) -> None:
    assert edition.numbers == tuple(range(1, 45))


def test_counts_per_category(edition: Edition) -> None:
    counts = collections.Counter(item.chapter for item in edition.items)
    assert [counts[chapter] for chapter in range(1, 10)] == [9, 2, 5, 1, 3, 8, 7, 7, 2]
    assert [c.chapter for c in edition.categories] == list(range(1, 10))
    assert [c.numbers for c in edition.categories] == [
        (1, 9), (10, 11), (12, 16), (17, 17), (18, 20), (21, 28), (29, 35), (36, 42), (43, 44),
    ]
    names = {c.chapter: c.name for c in edition.categories}
    for item in edition.items:
        assert item.category == names[item.chapter]


def test_category_names(edition: Edition) -> None:
    assert [c.name for c in edition.categories] == [
        "情報・セキュリティ管理態勢",
        "外部委託管理",
        "金融機関・API接続先の協力体制",
        "コンピュータ設備管理",
        "オフィス設備管理",
        "システム開発・運用管理",
        "サービスシステムのセキュリティ機能",
        "APIセキュリティ機能",
        "API利用セキュリティ",
    ]
    assert edition.categories[7].purpose == "利用者保護の観点から、API アクセスを管理するシステムについて確認する。"


def test_counts_per_party(edition: Edition) -> None:
    # section ５ 確認項目一覧表 of the 解説書
    counts = collections.Counter(item.party for item in edition.items)
    assert counts == {Party.CONNECTOR: 30, Party.BANK: 6, Party.COMMON: 8}
    by_party = collections.defaultdict(list)
    for item in edition.items:
        by_party[item.party].append(item.number)
    assert by_party[Party.BANK] == [38, 39, 40, 41, 42, 44]
    assert by_party[Party.COMMON] == [9, 12, 13, 14, 15, 16, 34, 35]


def test_items_without_references(edition: Edition) -> None:
    # （※）該当がない場合は記載なし
    assert [item.number for item in edition.items if not item.references] == [8, 24, 25, 33, 37]


def test_items_without_notes(edition: Edition) -> None:
    assert [item.number for item in edition.items if not item.notes] == [
        7, 8, 11, 12, 13, 15, 16, 20, 24, 25, 28, 29, 34, 38, 42, 43,
    ]


def test_glossary(edition: Edition) -> None:
    terms = {term.term: term for term in edition.glossary}
    assert len(edition.glossary) == 66
    assert terms["JC3"].pages == "60,78,82"
    assert terms["情報資産"].pages == "22,23,24,25,26,27,28,29,30,45,47,48,49,52,53,54,57,67,69"
    assert terms["CVSS"].description == (
        "特定のベンダーに依存せず、情報システムの脆弱性に対する汎用的な評価手法の一つで、"
        "Common Vulnerability Scoring System の略称。"
    )
    assert terms["ISMS クラウドセキュリティ認証"].pages == "27"
    assert terms["役職員"].description == "役員及び職員。"


# ------------------------------------------------------------------ spot checks (character for character)


def test_item_1(edition: Edition) -> None:
    item = edition.item(1)
    assert item.party is Party.CONNECTOR
    assert item.category == "情報・セキュリティ管理態勢"
    assert item.objective == "セキュリティ管理責任の所在と対象範囲を明確にする。"
    assert item.explanation == (
        "セキュリティに関する適切な対策を実施するため、セキュリティ管理に関する責任者を決定し、職務範囲を明確にする。"
    )
    assert [(m.group, m.text) for m in item.methods][3:] == [
        ("最高責任者・責任者の業務", "セキュリティ管理に関する最高責任者は、情報管理に関する各種対策を実施している。（注１）"),
        (
            "最高責任者・責任者の業務",
            "API利用サービスを所管する部署のセキュリティ管理に関する責任者は、情報管理に関する各種対策を実施している。（注２）",
        ),
    ]
    assert item.notes[0].splitlines()[:3] == [
        "（注１）",
        "① 情報資産の安全管理に関する規程及び委託先の選定基準の承認及び周知",
        "② 「セキュリティ管理に関する責任者」及び情報資産利用者に係る「本人確認に関する情報の管理者」の任命",
    ]
    assert item.references == (
        Reference(source="FISC「安全対策基準」", location="統制基準 １ 内部の統制 統４、統６、統７、統８"),
    )


def test_item_3(edition: Edition) -> None:
    item = edition.item(3)
    assert item.objective == "役職員に対する情報管理方法の周知やモニタリング等の実施により、セキュリティ管理態勢の定着を図る。"
    assert item.methods[-1].group == "第三者認証の利用"
    assert item.methods[-1].text == (
        "提供するサービスや目的に合致した第三者認証を取得（注３）してセキュリティ管理態勢が整備されていることを"
        "示すことが考えられるが、第三者認証を取得していなければならない訳ではない。"
    )
    assert item.notes[2] == (
        "（注３）\n"
        "① プライバシーマーク、ISMS（JIS Q 27001等）、ITSMS（JIS Q 20000-1等）の認証を取得している。\n"
        "② 内部統制保証報告書〔SOC1（SSAE16・ISAE3402）、SOC2、IT委員会実務指針７号〕や情報セキュリティ監査報告書を取得している。\n"
        "③ クラウドセキュリティ推進協議会の CSマークや ISMSクラウドセキュリティ認証（ISO27017）を取得している。"
    )
    assert item.references == (
        Reference("全銀協「オープン API検討会報告書」", "3.3 セキュリティ原則 3.3.1 API接続先の適格性 d"),
        Reference("全銀協「オープン API検討会報告書」", "3.3 セキュリティ原則 3.3.3 内部からの不正アクセス対策 e"),
        Reference("FISC「安全対策基準」", "統制基準 １ 内部の統制 統 13、統 14"),
        Reference("FISC「安全対策基準」", "監査基準 １ システム監査 監１"),
    )


def test_item_10_footnote(edition: Edition) -> None:
    item = edition.item(10)
    assert item.chapter == 2 and item.category == "外部委託管理"
    assert item.explanation == (
        "外部委託（クラウドサービスの利用を含む）を行う場合、委託業務が円滑かつ適正に遂行されるよう、必要な対策を実施する。"
    )
    assert item.notes[-1] == (
        "※8 外部委託には、金融機関や API接続先と ITベンダー等との関係が委託関係にある場合（システム開発や運用等）"
        "だけでなく、委託関係にあるとは限らない場合（クラウドサービスの利用等）も含む。"
    )
    assert item.references == (
        Reference("FISC「安全対策基準」", "統制基準 ２ 外部の統制 統 20、統 21、統 22、統 23"),
        Reference("FISC「安全対策基準」", "監査基準 １ システム監査 監１"),
    )


def test_item_17_remark_and_examples(edition: Edition) -> None:
    item = edition.item(17)
    assert item.notes == (
        "（注１）\n"
        "① 入館（室）者による不正行為の防止のための、業務実施場所及び情報システム等の設置場所の入退館（室）管理の実施\n"
        "（例：入退館記録の保存等）\n"
        "② 盗難等の防止のための措置\n"
        "（例：カメラによる記録又は作業への立会等によるモニタリングの実施、記録機能を持つ媒体の持込み・持出し禁止又は検査の実施等）",
        "※ クラウドサービスを利用する場合は、通番 11を参照のこと",
    )


def test_item_22_references(edition: Edition) -> None:
    item = edition.item(22)
    assert item.objective == "システムアクセス時の認証を実施する。"
    assert item.methods[2].group == "ID・パスワードの管理"
    assert item.methods[2].text == "本人確認に関するパスワード総当り攻撃による ID悪用を防止している。（注２）"
    assert item.notes[1] == (
        "（注２）\n① 情報システムに対してパスワード入力を連続して一定回数失敗した場合は、一時的に使用不可とする機能を設ける。"
    )
    assert item.references == (
        Reference(source="FISC「安全対策基準」", location="実務基準 １ 情報セキュリティ 実１、実８、実 16"),
        Reference(source="FISC「安全対策基準」", location="実務基準 ２ システム運用共通 実 26"),
    )


def test_item_27_note_5(edition: Edition) -> None:
    item = edition.item(27)
    assert len(item.notes) == 7
    assert item.notes[4] == (
        "（注５）\n"
        "① サーバ・運用管理端末へのセキュリティパッチの適用方針（ベンダーリリース情報収集の仕組み、"
        "ベンダーリリースからパッチ更新開始までの時間）を定める。\n"
        "② パッチ情報の適用可否については、パッチの重要度に応じて決定し、CVSS（Common Vulnerability Scoring System）"
        "深刻度レベル３（※）のパッチは漏れなく適用している。\n"
        "※CVSS深刻度レベル３とは、以下のようなものをいう。\n"
        "リモートからシステムを完全に制御されるような脅威、大部分のデータを改竄されるような脅威\n"
        "（例：OSコマンド・インジェクション、SQLインジェクション、バッファオーバフローによる任意の命令実行等）"
    )
    assert item.methods[5].text == "セキュリティパッチの適用を行っている。（注５）"


def test_item_35_nested_notes(edition: Edition) -> None:
    item = edition.item(35)
    assert item.party is Party.COMMON
    lines = item.notes[0].split("\n")
    assert lines[:4] == [
        "（注１）",
        "① システムログを取得（※）し、内容を確認している。",
        "※OS機能や業務アプリケーションにて作業結果を記録",
        "② パスワード管理システムとアクセス実績管理システムによるアクセス履歴管理を実施している。",
    ]
    assert "- DBMSの起動及び終了" in lines
    assert lines[-2] == "e. ネットワーク監視機能（アクセスログの取得や不正アクセス時のアラーム等）を組み込んでいる。"
    assert [r.location for r in item.references] == [
        "3.3 セキュリティ原則 3.3.2 外部からの不正アクセス対策 s",
        "3.3 セキュリティ原則 3.3.4 不正アクセス発生時の対応 b",
    ]


def test_item_38_bank(edition: Edition) -> None:
    item = edition.item(38)
    assert item.party is Party.BANK
    assert item.category == "APIセキュリティ機能"
    assert item.objective == "利用者が認識していないところで、利用者のアカウントが API接続に使用されないようにする。"
    assert item.explanation == (
        "利用者が認識していないにも関わらず、利用者のアカウントが API接続に使用されることがないよう、必要な対策を実施する。"
    )


def test_item_44(edition: Edition) -> None:
    item = edition.item(44)
    assert item.party is Party.BANK
    assert item.methods[0].group == "重要情報の表示、利用者からの同意取得"
    assert item.notes[0].endswith("⑧ サービス規約、問い合わせ窓口、安全対策の概要、緊急時の連絡窓口")
    assert item.references == (Reference("全銀協「オープン API検討会報告書」", "3.4 利用者保護原則 3.4.2 説明・表示、同意取得 c"),)


# ------------------------------------------------------------------ verbatim against the 解説書


def _is_added_remark(line: str) -> bool:
    return line.startswith("※8 ") or line.startswith("※ クラウドサービスを利用する場合は")


def test_every_text_occurs_in_the_seed(edition: Edition, seed_text: str) -> None:
    missing = []
    for item in edition.items:
        texts = [("objective", item.objective), ("explanation", item.explanation)]
        texts += [(f"methods[{i}].group", m.group) for i, m in enumerate(item.methods, 1)]
        texts += [(f"methods[{i}].text", line) for i, m in enumerate(item.methods, 1) for line in m.text.split("\n")]
        for i, note in enumerate(item.notes, 1):
            texts += [(f"notes[{i}]", line) for line in note.split("\n") if not _is_added_remark(line)]
        for field, text in texts:
            if squash(text) not in seed_text:
                missing.append((item.number, field, text))
    assert missing == []


def test_footnote_and_remark_text_occur_in_the_seed(edition: Edition, seed_text: str) -> None:
    assert squash("8 " + edition.item(10).notes[-1].removeprefix("※8 ")) in seed_text
    assert squash("（クラウドサービスを利用する場合は、通番 11を参照のこと）") in seed_text


def test_references_categories_and_glossary_occur_in_the_seed(edition: Edition, seed_text: str) -> None:
    for item in edition.items:
        for reference in item.references:
            assert squash(reference.source) in seed_text
            for part in re.split(r"(?=\s\d+\.\d+\.\d+\s)", reference.location):
                assert squash(part) in seed_text, (item.number, reference.location)
    for category in edition.categories:
        assert squash(category.purpose) in seed_text
    for term in edition.glossary:
        assert squash(term.description) in seed_text, term.term
        assert squash(term.term) in seed_text, term.term


def test_no_pdf_artefacts(edition: Edition) -> None:
    for item in edition.items:
        texts = [item.objective, item.explanation, *(m.text for m in item.methods), *item.notes]
        for text in texts:
            assert text == text.strip()
            assert "  " not in text and " \n" not in text and "\n " not in text, (item.number, text)
            assert "対象者" not in text and "API接続先 金融機関 共通" not in text, item.number


# ------------------------------------------------------------------ bundled editions


def test_bundled_and_current_edition(edition: Edition) -> None:
    editions = bundled_editions()
    assert "2019.03" in editions
    assert editions["2019.03"] == edition
    assert current_edition().id == max(editions, key=lambda i: tuple(int(p) for p in re.findall(r"\d+", i)))
    assert bundled_editions()["2019.03"] is editions["2019.03"]  # cached
