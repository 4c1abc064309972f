"""The product answers the FISC checklist for itself (`make self-assessment`).

Writes docs/self-assessment.xlsx with the product's own Excel export and
docs/self-assessment.md, from the answers below: for each software-relevant item
whose 対象者 is API接続先 or 共通, what this product does (with the code and the
test that prove it), the gaps we know of and what we plan to do about them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from service.bootstrap import bootstrap
from service.config import Settings
from service.domain.codes import AnswerStatus
from service.xlsx.export import export_engagement

OUT = Path(__file__).parent
NOT_IN_SCOPE = "本製品（ソフトウェア）の範囲外。製品を運用する組織の態勢として、運用組織が回答する。"

ANSWERS: dict[int, tuple[str, str, str, str]] = {
    9: ("partial", "不正アクセス時の調査に使う記録（操作履歴・セキュリティログ・リクエストID）を製品が提供する（service/security_log.py、service/projections/timeline.py）。", "連絡体制そのものは運用組織の定めによる。", "運用手順書の雛形を README に追記する。"),
    21: ("implemented", "役割と組織による拒否既定のアクセス制御。他組織の案件は存在しない案件と同じく 404 を返す（service/domain/engagement_rules.py の Engagement.visible_to、service/views.py の visibility、両者の一致を tests/integration/test_visibility_rules.py で確認）。全ルート×全役割×自他組織の試験（tests/api/test_isolation_matrix.py）。", "管理者は任意の組織に利用者を登録できる。", "管理操作の二者承認を検討する。"),
    22: ("implemented", "argon2id、12〜128文字・切り捨てなし・頻出パスワード3万件の拒否、5回失敗で15分ロック、接続元ごとの回数制限、TOTP（同一コードの再利用不可）、審査担当・FISC窓口・管理者は二要素認証必須（service/auth/、service/accounts.py、tests/security/test_hostile.py）。", "WebAuthn（FIDO2）には未対応。", "WebAuthn による二要素認証を追加する。"),
    23: ("implemented", "ログイン・ロック・認可失敗・書き出し・利用者変更・トークン発行をUTC時刻・操作者・組織・接続元・結果とともにJSONで記録し、監査担当は画面で閲覧できる（service/security_log.py、/security-log）。全イベントはハッシュチェーンで改ざん検知（python -m service audit verify）。", "ログの長期保管・外部転送は製品外。", "JSON ログの SIEM 転送手順を README に記載する。"),
    24: ("partial", "全操作はイベントとして追記のみで保存され、直接のDB改ざんは監査チェーンの検証で位置まで特定できる（service/projections/audit_chain.py、tests/integration/projections/test_audit_chain.py::test_audit_verify_finds_the_first_tampered_event）。", "同じDBに書き込めるDB管理者はチェーンを作り直せる。", "最新のチェーン値を定期的に外部（別システム・紙）へ記録する。"),
    25: ("implemented", "変更ごとに単体・結合（SQLite と PostgreSQL の両方）・API（schemathesis）・ブラウザ（Chromium）試験を CI で実行する（Makefile の test、.ci/run）。", "性能の回帰はベンチマークを手動で実行して確認している。", "bench/results/latest.json の比較を CI に組み込む。"),
    26: ("partial", "CSP（インラインスクリプト禁止）・CSRF・セキュリティヘッダ・要求サイズ上限（413）・スキーマ検証（未知の項目は拒否）を全応答に適用（service/web/security.py、service/api/schemas/）。", "IDS/IPS・WAF は製品外（配置環境で用意する）。", "推奨構成（リバースプロキシ・WAF）を README に記載する。"),
    27: ("partial", "敵対的入力の試験（改ざんファイル・zip bomb・XXE・過大入力、tests/unit/xlsx/test_reading.py、tests/security/test_hostile.py）と OpenAPI 準拠のファジング（tests/api/test_openapi_conformance.py）。", "依存ライブラリの脆弱性の自動検査は未導入。", "pip-audit を CI に追加し、CVSS 7.0 以上は即時更新する。"),
    29: ("partial", "回答・質疑・証跡は組織ごとに分離され、証跡ファイルは SHA-256 で内容を識別して保存する（service/blobs.py）。", "データ分類（公開可否）の定義は未整備。", "項目ごとの機密区分を定義し、書き出しに区分を表示する。"),
    30: ("partial", "パスワードは argon2id で保存、APIトークンは署名付き・1時間で失効・サーバ側で失効管理、証跡のダウンロードは案件の閲覧権限と同じ判定（service/auth/、service/usecases/files.py）。", "TOTP の秘密鍵と証跡ファイルは保存時に暗号化していない。", "TOTP 秘密鍵を鍵管理サービスの鍵で暗号化し、証跡の保存先に暗号化ディスクを必須とする。"),
    31: ("implemented", "SQLite はオンラインのバックアップ・リストア（python -m service backup/restore、tests/integration/test_maintenance.py）、PostgreSQL は pg_dump。読み取りモデルはイベントログから再構築できる（python -m service projections rebuild）。", "バックアップの世代管理は運用に委ねている。", "世代管理を含む運用手順を README に記載する。"),
    32: ("implemented", "ログイン履歴の画面、ロック、二要素認証、パスワード変更時に他の全セッションとトークンを終了（service/web/auth.py、tests/security/test_hostile.py）。", "リスクベース認証は未対応。", "接続元の変化を検知した追加認証を検討する。"),
    34: ("implemented", "利用者の無効化・ログアウト・パスワード変更で、その利用者の全セッションと全APIトークンを即時に失効させる（service/auth/authenticator.py の sign_out_everywhere）。", "組織単位の一括停止は画面から一件ずつ行う必要がある。", "組織単位の一括停止を追加する。"),
    35: ("implemented", "案件ごとの操作履歴（誰が・いつ・何を）、任意の過去時点の再現（as_of）、セキュリティログ、リクエストID付きのJSONアクセスログ（service/projections/timeline.py、service/web/ops.py）。", "ログの改ざん防止は監査チェーン（イベント）に限られる。", "アクセスログも外部に転送して保全する。"),
    36: ("partial", "APIトークンは有効期限1時間以内で、ログアウトで失効する。セッションはサーバ側で管理し、30分の無操作・12時間で失効する（service/auth/authenticator.py）。", "トークンIDはDBに平文で保存している（署名鍵なしには使えない）。", "トークンIDのハッシュのみを保存する。"),
    37: ("implemented", "API は OpenAPI 文書（/api/v1/openapi.json）のスキーマで厳格に検証し、他組織の資源は 404、想定外の項目は 422（tests/api/test_bad_input.py、tests/api/test_openapi_conformance.py）。", "API の利用量の上限はログインにのみ設定している。", "利用者ごとの API 回数制限を追加する。"),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        container = bootstrap(Settings(database_url=f"sqlite:///{tmp}/app.db", secret_key="self", mfa_required_roles=()))
        container.init()
        accounts = container.accounts
        bank = accounts.add_org("自己評価（読み手）", "bank")
        product = accounts.add_org("FISC API接続審査サービス（本製品）", "connector")
        reviewer = accounts.actor(accounts.add_user(email="r@self.invalid", name="自己評価", org_id=bank, role="reviewer", password="self assessment only"))
        author = accounts.actor(accounts.add_user(email="c@self.invalid", name="開発チーム", org_id=product, role="connector", password="self assessment only"))
        engagement = container.engagements.open_engagement(reviewer, connector_org_id=product, title="本製品の自己評価")
        for item in engagement.items:
            if item["party"] == "bank":
                continue
            status, state, issues, plan = ANSWERS.get(item["number"], ("not_applicable", NOT_IN_SCOPE, "", ""))
            container.review.save_answer(author, engagement.id, item["number"], status=status, current_state=state, issues=issues, plan=plan)
        engagement = container.store.engagement(reviewer, engagement.id)
        edition = container.editions.get(engagement.edition)
        (OUT / "self-assessment.xlsx").write_bytes(export_engagement(engagement, edition, include_review=False))
        lines = [
            "# 自己評価: FISC「API接続チェックリスト」（本製品）",
            "",
            "本製品を API接続先とみなし、対象者が API接続先・共通の項目のうちソフトウェアに関わるものに回答した。",
            "Excel 版は製品自身の書き出し機能で作成した `docs/self-assessment.xlsx`（`make self-assessment` で再生成）。",
            "",
            "| 通番 | セキュリティ対応目標 | 対応状況 | 現在の対応状況（根拠） | 課題認識 | 課題への対応計画 |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for item in engagement.items:
            if item["number"] in ANSWERS:
                answer = item["answer"]
                lines.append(
                    f"| {item['number']} | {item['objective']} | {AnswerStatus(answer['status']).label} | "
                    f"{answer['current_state']} | {answer['issues']} | {answer['plan']} |"
                )
        lines += ["", f"その他の API接続先・共通項目は「{NOT_IN_SCOPE}」として対象外とした。", ""]
        (OUT / "self-assessment.md").write_text("\n".join(lines), encoding="utf-8")
        container.close()


if __name__ == "__main__":
    main()
