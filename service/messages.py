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
    "plan_not_proposed": "合意を待つモニタリング計画はありません。",
    "plan_needs_other_side": "モニタリング計画には提案した側ではない相手方が合意します。",
    "item_not_dropped": "この確認項目は審査の対象です（削除されていません）。",
    "item_not_in_cycle": "この確認項目は今回の審査サイクルの対象外です。",
    "question_closed": "この質問は完了しています。",
    "already_acknowledged": "この注意喚起は確認済みです。",
    "advisory_already_noticed": "この注意喚起は登録済みです。",
    "condition_already_fulfilled": "この条件は充足確認済みです。",
    "stale_version": "{change}。最新の内容を読み込んでからやり直してください。",
    "duplicate_email": "このメールアドレスは既に登録されています。",
    "duplicate_org_name": "同じ名前の組織が既に登録されています。",
    "last_admin": "自分自身や、組織で最後の有効な管理者は無効にできません。",
    "user_not_found": "指定された利用者はありません。",
    "mfa_enrolment_required": "この役割では二要素認証（ワンタイムコード）の登録が必要です。",
    "validation_error": "入力内容に誤りがあります。",
    "unauthenticated": "ログインが必要です。",
    "invalid_credentials": "メールアドレス、パスワードまたはワンタイムコードが正しくありません。",
    "account_locked": "ログインに続けて失敗したため、15分間ロックされています。",
    "totp_required": "ワンタイムコードを入力してください。",
    "invalid_token": "認証トークンが無効か期限切れです。",
    "engagement_not_yet_opened": "この時点では案件はまだ作成されていません。",
    "as_of_in_future": "未来の時点は表示できません。",
    "control_characters": "入力に使用できない制御文字が含まれています。",
    "date_not_ahead": "日付には今日より後の日付を入力してください。",
    "file_not_found": "ファイルが見つかりません。",
    "certification_not_found": "指定された第三者認証はありません。",
    "library_not_found": "回答ライブラリが見つかりません。",
    "conflict": "現在の状態ではこの操作はできません。",
    "already_reminded": "この督促は送信済みです。",
    "edition_conflict": "新しい版で追加される通番を独自項目が使用しています: {items}",
    "edition_exists": "この版は登録済みです。",
}

# A request the service cannot read as input at all (API), by code.
REQUEST_ERRORS = {
    "malformed_json": "本文が正しいJSONではありません。",
    "json_too_deep": "本文のJSONの入れ子が深すぎます（{limit}段まで）。",
    "unsupported_media_type": "この形式の本文は受け付けられません。{expected} で送信してください。",
    "unstorable_character": "{label}に使用できない文字（{character}）が含まれています。",
}

# Errors of HTTP itself (unknown page, method, size, expired form…), by status: the page's
# title and the message shown on the error page and in the API's {"error"}.
HTTP_ERRORS = {
    400: ("要求が正しくありません", "送信された内容を処理できませんでした。画面を読み込み直してから、もう一度お試しください。"),
    401: ("ログインが必要です", "ログインしてから、もう一度お試しください。"),
    403: ("権限がありません", "この操作を行う権限がありません。"),
    404: ("ページが見つかりません", "お探しのページは見つかりませんでした。URLをご確認ください。"),
    405: ("許可されていない操作です", "このページでは、その操作はできません。"),
    409: ("現在の状態では実行できません", "現在の状態ではこの操作はできません。"),
    413: ("送信内容が大きすぎます", "送信できる大きさを超えています。ファイルや入力を小さくしてから、もう一度お試しください。"),
    415: ("受け付けられない形式です", "この形式の内容は受け付けられません。"),
    422: ("入力内容に誤りがあります", "入力内容に誤りがあります。"),
    429: ("操作が多すぎます", "短い時間に多くの操作がありました。しばらく待ってから、もう一度お試しください。"),
    500: ("内部エラー", "内部エラーが発生しました。時間をおいて再度お試しください。"),
    503: ("混み合っています", "混み合っています。少し待ってから再度お試しください。"),
}
CSRF_EXPIRED = ("画面の有効期限が切れました", "画面の有効期限が切れました。もう一度送信してください。")


def error_message(error: DomainError) -> str:
    """The Japanese message for an error: for a refused value, the domain's own sentence
    naming the field; otherwise the text for its code."""
    if error.kind == "invalid" and error.detail:
        return error.detail
    template = MESSAGES.get(error.code)
    if template is None:
        return error.detail or error.code
    items = error.context.get("items")
    change = error.context.get("change") or "他の利用者が先に更新しました"  # what changed, when a stale write knows it
    return template.format(items="、".join(map(str, items)) if items else "", change=change)
