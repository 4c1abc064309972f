"""Whatever the answers hold, exporting and importing the workbook changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.domain.codes import AnswerStatus
from service.xlsx.export import export_engagement
from service.xlsx.importing import import_answers
from tests.unit.xlsx.builders import (
    BANK_ITEMS,
    CONNECTOR_ITEMS,
    EDITION,
    REVIEWER,
    answer,
    connector_side,
    open_engagement,
)

typed = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\t\n\r"), max_size=60)
texts = st.one_of(
    typed,
    st.text(alphabet="あいう漢字テスト😀\n\r\t =+-@ ", max_size=40),
    st.builds(lambda p, t: p + t, st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\r\n", " ", "#N/A"]), typed),
)
required = texts.filter(lambda text: bool(text.strip()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    answers=st.lists(
        st.tuples(st.sampled_from(list(AnswerStatus)), required, texts, required, texts), min_size=1, max_size=4
    ),
    bank=st.tuples(st.sampled_from(list(AnswerStatus)), required, required),
    title=st.text(alphabet="案件テスト=+-@😀 ", min_size=1, max_size=20).filter(str.strip),
)
def test_round_trip_changes_nothing(answers, bank, title):
    eng = open_engagement(title=title)
    for number, (status, current_state, issues, plan, remarks) in zip(connector_side(eng) + [45], answers):
        answer(eng, number, status=status.value, current_state=current_state, issues=issues, plan=plan, remarks=remarks)
    answer(eng, BANK_ITEMS[0], REVIEWER, status=bank[0].value, current_state=bank[1], plan=bank[2])
    data = export_engagement(eng, EDITION, include_review=True)
    assert import_answers(data, eng, EDITION, side="connector") == []
    assert import_answers(data, eng, EDITION, side="bank") == []


def test_round_trip_of_full_texts():
    eng = open_engagement()
    long_text = ("長い回答。\n" * 3000)[:20_000]
    answer(eng, CONNECTOR_ITEMS[0], current_state=long_text, issues="末尾の空白  ", plan="  先頭の空白", remarks="😀\t絵文字")
    assert import_answers(export_engagement(eng, EDITION, include_review=False), eng, EDITION, side="connector") == []
