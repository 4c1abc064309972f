"""Japanese texts shown to users for each domain error code (one place)."""

from __future__ import annotations

from .domain.errors import DomainError

MESSAGES = {
    "engagement_not_found": "審査案件が見つかりません。",
    "item_not_found": "指定された確認項目はありません。",
    "question_not_found": "指定された質問はありません。",
    "advisory_not_found": "指定された注意喚起はありません。",
    "condition_not_found": "指定された条件はありません。",
    "org_not_found": "指定された組織はありません。",
    "edition_not_found": "チェックリストの版が見つかりません。",
    "not_found": "見つかりません。",
    "role_not_allowed": "この操作を行う権限がありません。",
    "not_party_of_item": "この確認項目の対象者ではないため回答できません。",
    "forbidden": "この操作を行う権限がありません。",
    "wrong_state": "現在の審査状態ではこの操作はできません。",
    "pen_not_held": "現在は回答を編集できません（提出済みの項目です）。",
    "answers_missing": "未回答の確認項目があります: {items}",
    "questions_open": "未完了の質問があるため判定できません。",
    "items_not_judged": "未判定の確認項目があります: {items}",
    "item_dropped": "この確認項目は削除されています。",
    "item_not_in_cycle": "この確認項目は今回の審査サイクルの対象外です。",
    "question_closed": "この質問は完了しています。",
    "already_acknowledged": "この注意喚起は確認済みです。",
    "advisory_already_noticed": "この注意喚起は登録済みです。",
    "condition_already_fulfilled": "この条件は充足確認済みです。",
    "stale_version": "他の利用者が先に更新しました。最新の内容を読み込んでからやり直してください。",
    "duplicate_email": "このメールアドレスは既に登録されています。",
    "validation_error": "入力内容に誤りがあります。",
    "unauthenticated": "ログインが必要です。",
    "invalid_credentials": "メールアドレス、パスワードまたはワンタイムコードが正しくありません。",
    "account_locked": "ログインに続けて失敗したため、15分間ロックされています。",
    "totp_required": "ワンタイムコードを入力してください。",
    "invalid_token": "認証トークンが無効か期限切れです。",
}


def error_message(error: DomainError) -> str:
    """The Japanese message for an error, followed by its technical detail."""
    template = MESSAGES.get(error.code)
    if template is None:
        return error.detail or error.code
    items = error.context.get("items")
    text = template.format(items="、".join(map(str, items)) if items else "")
    return f"{text}（{error.detail}）" if error.detail and error.kind == "invalid" else text
