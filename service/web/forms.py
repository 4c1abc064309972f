"""WTForms for the simple pages (Japanese messages next to each field)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..domain.errors import Invalid

REQUIRED = "入力してください。"


def answer_from(form: Any) -> dict[str, Any]:
    """The five answer fields of the フォーマット (対応状況区分 … 備考) as a posted form holds them."""
    return {
        "status": form.get("status"),
        "current_state": form.get("current_state", ""),
        "issues": form.get("issues", ""),
        "plan": form.get("plan", ""),
        "remarks": form.get("remarks", ""),
    }


def item_numbers_from(form: Any, refusal: str) -> list[int]:
    """The 通番 checked in a form's ``items``; a value that is no number (a tampered form) is
    refused with ``refusal``, beside the field."""
    try:
        return [int(n) for n in form.getlist("items")]
    except ValueError:
        raise Invalid(refusal, field="items") from None


def custom_item_from(form: Any) -> dict[str, Any]:
    """A custom item as the tailoring form holds it: 手法例 one a line (a leading ＜見出し＞ names
    its group, and stands for the lines after it), 関連規定 one a line as 規定｜箇所."""
    methods, group = [], ""
    for line in _lines(form.get("methods", "")):
        if line.startswith("＜") and "＞" in line:
            group, _, line = line.partition("＞")
            group += "＞"
            line = line.strip()
            if not line:
                continue
        methods.append({"group": group, "text": line})
    references = []
    for line in _lines(form.get("references", "")):
        source, separator, location = line.replace("|", "｜").partition("｜")
        references.append({"source": source.strip(), "location": location.strip()} if separator else {"source": "", "location": line})
    return {
        "objective": form.get("objective", ""),
        "party": form.get("party"),
        "category": form.get("category", ""),
        "explanation": form.get("explanation", ""),
        "methods": methods,
        "references": references,
    }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField("パスワード", validators=[DataRequired(REQUIRED), Length(max=1024)])
    totp = StringField(
        "ワンタイムコード（登録済みの場合）",
        validators=[Optional(), Regexp(r"^\d{6}$", message="6桁の数字を入力してください。")],
    )


class TotpConfirmForm(FlaskForm):
    code = StringField("ワンタイムコード", validators=[DataRequired(REQUIRED), Regexp(r"^\d{6}$", message="6桁の数字を入力してください。")])


class PasswordForm(FlaskForm):
    current_password = PasswordField("現在のパスワード", validators=[DataRequired(REQUIRED), Length(max=1024)])
    new_password = PasswordField(
        "新しいパスワード（12〜128文字）",
        validators=[DataRequired(REQUIRED), Length(min=12, max=128, message="12文字以上128文字以内で入力してください。")],
    )


class OpenEngagementForm(FlaskForm):
    title = StringField("案件名", validators=[DataRequired(REQUIRED), Length(max=200, message="200文字以内で入力してください。")])
    connector_org_id = SelectField("API接続先", validators=[DataRequired("API接続先を選択してください。")], choices=[])


class OrgForm(FlaskForm):
    name = StringField("組織名", validators=[DataRequired(REQUIRED), Length(max=200, message="200文字以内で入力してください。")])
    kind = SelectField("種別", choices=choices([("bank", "金融機関"), ("connector", "API接続先"), ("fisc", "FISC")]))


class UserForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[DataRequired(REQUIRED), Length(max=254)])
    name = StringField("氏名", validators=[DataRequired(REQUIRED), Length(max=200)])
    org_id = SelectField("組織", validators=[DataRequired(REQUIRED)], choices=[])
    role = SelectField("役割", choices=[])
    password = PasswordField(
        "初期パスワード（12文字以上）",
        validators=[DataRequired(REQUIRED), Length(min=12, max=128, message="12文字以上128文字以内で入力してください。")],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField("理由", validators=[DataRequired(REQUIRED), Length(max=2000)])
