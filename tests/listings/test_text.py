"""Search terms (dongne.listings.text): the behaviour table, search-as-you-type, and
properties checked with hypothesis. Pure Python: no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dongne.listings.text import (
    DESCRIPTION_WEIGHT,
    EXTRA_WEIGHT,
    MAX_QUERY_LENGTH,
    MAX_QUERY_TERMS,
    MAX_TERM_LENGTH,
    TITLE_WEIGHT,
    QueryPlan,
    choseong,
    document_terms,
    matches,
    normalise,
    prefix_upper_bound,
    query_plan,
    relevance,
)

CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
PARTICLES = ["을", "를", "이", "가", "은", "는", "에", "에서", "으로", "로", "도", "만"]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def finds(query: str, document: str, *, as_you_type: bool = False) -> bool:
    return matches(query_plan(query, as_you_type=as_you_type), document_terms(document))


CASES = [
    # two-syllable words, spacing, particles
    ("의자", "원목 의자 팝니다", True),
    ("원목의자", "원목 의자", True),
    ("삼성 노트북", "삼성노트북", True),
    ("자전거", "자전거를 팝니다", True),
    ("원목 의자", "의자(원목) 팝니다", True),  # query words are not joined, nor ordered
    ("아이폰 프로", "아이폰15 프로", True),
    ("원목의자", "원목/의자 세트", True),  # - / . _ · join a phrase like a space
    ("원목의자", "원목, 의자", False),  # other punctuation breaks it
    # Latin and digits
    ("아이폰 15", "아이폰15 프로 256기가", True),
    ("아이폰 15", "아이폰 15 팝니다", True),
    ("iphone", "iPhone 13 mini", True),
    ("iphone", "IPHONE15", True),
    ("iphone13mini", "iPhone 13 mini", True),
    ("RTX4070", "rtx 4070 그래픽카드", True),
    ("RTX4070", "RTX4070 SUPER", True),
    ("rtx 4070", "RTX4070", True),
    ("wh1000xm4", "소니 WH-1000XM4", True),
    ("256gb", "256 GB", True),
    # 초성
    ("ㅇㅈ", "의자", True),
    ("ㅇㅈ", "원목 의자", True),
    ("ㅅㅅㄴㅌㅂ", "삼성 노트북", True),
    # one syllable
    ("책", "책 팝니다", True),
    ("책", "동화책 세트", True),
    # no over-matching
    ("의자", "의류 자켓", False),
    ("15", "150cm", False),
    ("ㅇㅈ", "자전거", False),
    ("rtx4070", "rtx 3060 팝니다, gtx 4070 삽니다", False),  # rtx4070 is one unit pair
    ("12", "사이즈 1 2", False),  # digit runs never join each other
    ("책상", "책장 상자", False),
    # accepted: a word may match across a space (원목의자 → "원목 의자" needs the same)
    ("노트북", "노트 북커버", True),
    ("책상", "책 상자", True),
    # case, width, Unicode normalisation, punctuation and emoji, invisible characters
    ("ＲＴＸ４０７０", "rtx 4070", True),
    ("rtx4070", "ＲＴＸ ４０７０", True),
    ("IPhone", "iphone", True),
    ("의자", nfd("원목 의자"), True),
    (nfd("원목의자"), "원목 의자", True),
    (nfd("ㅇㅈ"), "의자", True),
    ("의자", "의자!!!🪑팝니다~^^", True),
    ("아이폰", "아이\u200b폰 팝니다", True),
    ("ㅇㅈ", "\uffb7\uffb8 팝니다", True),  # half-width ㅇㅈ, written as such
    ("의자", "\uffb7\uffb8 팝니다", False),
]


@pytest.mark.parametrize(("query", "document", "found"), CASES)
def test_behaviour_table(query: str, document: str, found: bool) -> None:
    assert finds(query, document) is found


@pytest.mark.parametrize("query", ["", "   ", "!!!", "😊🪑", "…", "ㅋ", "-/.", "\u200b"])
def test_empty_query_yields_no_terms_and_matches_nothing(query: str) -> None:
    plan = query_plan(query)
    assert plan.terms == ()
    assert plan.prefix is None
    assert plan.is_empty
    assert not matches(plan, document_terms("ㅋㅋ 의자 !!! 😊 ... 팝니다"))
    assert relevance(plan, document_terms("의자")) == 0


def test_query_terms() -> None:
    assert query_plan("의자").terms == ("의자",)
    assert query_plan("책").terms == ("책",)
    assert query_plan("원목의자").terms == ("원목", "목의", "의자")
    assert query_plan("삼성 노트북").terms == ("삼성", "노트", "트북")
    assert query_plan("RTX4070").terms == ("rtx4070",)
    assert query_plan("rtx 4070").terms == ("rtx", "4070")
    assert query_plan("iPhone13mini").terms == ("iphone13", "13mini")
    assert query_plan("ㅅㅅㄴㅌㅂ").terms == ("ㅅㅅ", "ㅅㄴ", "ㄴㅌ", "ㅌㅂ")
    assert query_plan("의자 의자 의자").terms == ("의자",)
    assert query_plan("의자").prefix is None


def test_document_terms_of_a_small_listing() -> None:
    assert document_terms("원목 의자") == {
        **dict.fromkeys(["원", "목", "원목", "ㅇㅁ", "의", "자", "의자", "ㅇㅈ"], TITLE_WEIGHT),
        **dict.fromkeys(["목의", "ㅁㅇ"], TITLE_WEIGHT),
    }
    assert set(document_terms("rtx 4070")) == {"rtx", "4070", "rtx4070"}
    assert set(document_terms("ㅋㅋㅋ")) == {"ㅋㅋ"}
    assert document_terms("", "") == {}
    assert document_terms("!!! 😊") == {}


def test_initials_and_syllables_come_from_the_title_and_extra_texts_only() -> None:
    """A description holds so many 초성 pairs that a 초성 query would match it by chance,
    and its single syllables would be a third of all terms."""
    assert set(document_terms("", "원목 의자 ㅋㅋ")) == {"원목", "목의", "의자"}
    assert matches(query_plan("책"), document_terms("동화책 세트"))
    assert not matches(query_plan("책"), document_terms("동화 세트", "책도 드려요"))
    assert matches(query_plan("ㅇㅈ"), document_terms("의자"))
    assert matches(query_plan("ㅇㅈ"), document_terms("팝니다", extra=["의자"]))
    assert not matches(query_plan("ㅇㅈ"), document_terms("팝니다", "원목 의자"))


def test_weights_title_extra_description() -> None:
    terms = document_terms("의자", "의자 책상", extra=["가구", "책상"])
    assert terms["의자"] == TITLE_WEIGHT
    assert terms["책상"] == EXTRA_WEIGHT
    assert terms["가구"] == EXTRA_WEIGHT
    assert terms["자책"] == DESCRIPTION_WEIGHT  # across the space, in the description only
    assert "자가" not in terms  # texts never join each other
    assert TITLE_WEIGHT > EXTRA_WEIGHT > DESCRIPTION_WEIGHT >= 1


def test_relevance_is_the_sum_of_selected_weights() -> None:
    terms = document_terms("원목 의자", "튼튼한 원목입니다")
    assert relevance(query_plan("원목 의자"), terms) == 2 * TITLE_WEIGHT
    assert relevance(query_plan("원목 의자"), set(terms)) == 2
    assert relevance(query_plan("튼튼"), terms) == DESCRIPTION_WEIGHT
    assert relevance(query_plan("책상"), terms) == 0
    typing = query_plan("iph", as_you_type=True)
    assert relevance(typing, {"iphone": 3, "iphone13": 1, "galaxy": 2}) == 4
    assert relevance(typing, {"galaxy": 2}) == 0
    # With required terms, the prefix only filters: the score is the required terms'.
    typing = query_plan("원목 iph", as_you_type=True)
    assert relevance(typing, {"원목": 1, "iphone": 3, "iphone13": 3}) == 1


def test_long_tokens_are_truncated_alike() -> None:
    long = "a" * 50 + "1" * 50
    terms = document_terms(long)
    assert max(map(len, terms)) == MAX_TERM_LENGTH
    assert terms.keys() == {"a" * 32, "1" * 32}  # the letter/digit pair, cut, is "a" * 32
    assert finds(long, long)
    assert finds("a" * 40, long)  # the same first 32 letters: accepted


def test_query_is_capped() -> None:
    words = [f"{a}{b}" for a in "가나다라마바사아" for b in "자차카타"]
    plan = query_plan(" ".join(words))
    assert len(plan.terms) == MAX_QUERY_TERMS
    assert plan.terms == tuple(words[:MAX_QUERY_TERMS])
    # A word cut by MAX_QUERY_LENGTH is dropped, never kept as a fragment ("i" of "iphone").
    head = "의자 " * (MAX_QUERY_LENGTH // 3)
    assert len(head) == MAX_QUERY_LENGTH - 1
    assert query_plan(head + "iphone").terms == ("의자",)
    assert query_plan(head + "iphone", as_you_type=True).prefix is None
    assert query_plan("의자 " + "x" * 10_000).terms == ("의자",)


def test_choseong() -> None:
    assert choseong("의") == "ㅇ"
    assert choseong("가") == "ㄱ"
    assert choseong("까") == "ㄲ"
    assert choseong("힣") == "ㅎ"
    assert [choseong(s) for s in "삼성노트북"] == list("ㅅㅅㄴㅌㅂ")
    for other in ("", "a", "ㄱ", "의자", "\u1100", "1"):
        assert choseong(other) is None


def test_normalise() -> None:
    assert normalise("ＲＴＸ４０７０ Super") == "rtx4070 super"
    assert normalise(nfd("원목 의자")) == "원목 의자"
    assert normalise("ㅇㅈ") == "ㅇㅈ"  # NFKC alone would make these conjoining jamo
    assert normalise("ㅇㅏ") == "ㅇㅏ"  # ... and compose them into 아
    assert normalise("ﾡﾢ") == "ㄱㄲ"  # half-width jamo
    assert normalise("아이\u200b폰\ufeff") == "아이폰"
    assert normalise("Straße ＩＰＨＯＮＥ") == "strasse iphone"
    assert normalise("㈜동네 ①") == "(주)동네 1"


def test_prefix_upper_bound() -> None:
    assert prefix_upper_bound("iph") == "ipi"
    assert prefix_upper_bound("책") == chr(ord("책") + 1)  # a final consonant: a plain prefix
    assert prefix_upper_bound("나") == chr(ord("나") + 28)  # 나 … 낳
    assert prefix_upper_bound("노트") == "노" + chr(ord("트") + 2 * 28)  # 트 … 틓, 틔 … 틣 (ㅢ)
    assert prefix_upper_bound("고") == chr(ord("고") + 4 * 28)  # 고 … 굫: 과 괘 괴 grow from ㅗ
    for term, inside in [("노트", True), ("노틉", True), ("노트북", True), ("노파", False)]:
        assert ("노트" <= term < prefix_upper_bound("노트")) is inside
    assert "고" <= "과자" < prefix_upper_bound("고") <= "교"
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound("\ud7ff") == "\ue000"
    for term, inside in [("iph", True), ("iphone", True), ("ipi", False), ("ip", False)]:
        assert ("iph" <= term < prefix_upper_bound("iph")) is inside
    with pytest.raises(ValueError):
        prefix_upper_bound("")
    with pytest.raises(ValueError):
        prefix_upper_bound("\U0010ffff")


def test_plan_prefix_range() -> None:
    assert QueryPlan(()).prefix_upper is None
    assert not QueryPlan(()).in_prefix_range("a")
    assert QueryPlan((), "ab").in_prefix_range("abc")
    assert not QueryPlan((), "ab").in_prefix_range("ac")


@pytest.mark.parametrize(
    ("query", "document", "found"),
    [
        ("iph", "iPhone 13 mini", True),
        ("iph", "갤럭시 팝니다", False),
        ("rtx40", "RTX4070 SUPER", True),
        ("rtx40", "rtx 4070", True),
        ("rtx40", "rtx 3060", False),
        ("아이폰 1", "아이폰 15 팝니다", True),
        ("삼성노틉", "삼성 노트북", True),  # the IME shows 틉 before 트 + 부
        ("삼성ㄴ", "삼성 노트북", True),
        ("삼성 ㄴ", "삼성 노트북", True),
        ("삼성ㄴ", "삼성 모니터", True),  # a lone consonant adds nothing yet
        ("ㅅ", "삼성", False),  # a lone consonant is no query
        ("고", "과자", True),  # ㅗ becomes ㅘ with the next key
        ("닭", "달걀", True),  # 닭 + ㅑ is 달갸
        ("의자 ", "의자를", True),
        ("의자 ", "의류 자켓", False),
    ],
)
def test_as_you_type(query: str, document: str, found: bool) -> None:
    assert finds(query, document, as_you_type=True) is found


def test_as_you_type_prefix_only_for_an_open_last_word() -> None:
    assert query_plan("의자 ", as_you_type=True) == query_plan("의자")
    assert query_plan("의자!", as_you_type=True) == query_plan("의자")
    plan = query_plan("원목 iph", as_you_type=True)
    assert plan.terms == ("원목",)
    assert (plan.prefix, plan.prefix_upper) == ("iph", "ipi")
    plan = query_plan("삼성노틉", as_you_type=True)
    assert plan.terms == ("삼성", "성노")
    assert plan.prefix == "노트"
    assert query_plan("삼성ㄴ", as_you_type=True) == QueryPlan(("삼성",))
    assert query_plan("ㅅ", as_you_type=True).is_empty


def test_same_terms_in_every_process() -> None:
    """Key order included, whatever the string hash seed."""
    program = (
        "import json; from dongne.listings.text import document_terms, query_plan;"
        "print(json.dumps([list(document_terms('삼성 노트북 RTX 4070', '원목 의자 ㅋㅋ').items()),"
        "list(query_plan('삼성 노트북 rtx4070').terms)]))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    terms, _ = json.loads(outputs.pop())
    assert [term for term, _ in terms] == list(
        document_terms("삼성 노트북 RTX 4070", "원목 의자 ㅋㅋ")
    )


# --- properties -----------------------------------------------------------------------------

SYLLABLE = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
WORD = st.text(SYLLABLE, min_size=2, max_size=6)
FILLER = st.text(
    st.one_of(SYLLABLE, st.sampled_from(list("  \nabcXYZ0123456789.,!?()/-~ㅋㅎ😊"))),
    max_size=40,
)
SEPARATOR = st.sampled_from([" ", "  ", "\n", ". ", ", ", "/", "(", " - "])
MIXED_TEXT = st.text(
    st.one_of(
        SYLLABLE,
        st.characters(min_codepoint=0x3131, max_codepoint=0x318E),  # compatibility jamo
        st.characters(min_codepoint=0x1100, max_codepoint=0x11FF),  # conjoining jamo
        st.characters(min_codepoint=0xFFA0, max_codepoint=0xFFDC),  # half-width jamo
        st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width ASCII
        st.sampled_from(list(" \n\t.-/_·,!?😊\u200b\u3164ßİ")),
        st.characters(codec="ascii"),
        st.characters(),
    ),
    max_size=60,
)
PROPERTY = settings(max_examples=150, deadline=None, database=None)


def in_document(data: st.DataObject, word: str) -> str:
    """``word``, perhaps with a particle, among random text."""
    before, after = data.draw(FILLER), data.draw(FILLER)
    particle = data.draw(st.sampled_from(["", *PARTICLES]))
    return before + data.draw(SEPARATOR) + word + particle + data.draw(SEPARATOR) + after


def listing(data: st.DataObject, text: str) -> dict[str, int]:
    if data.draw(st.booleans()):
        return document_terms(text, data.draw(FILLER))
    return document_terms(data.draw(FILLER), text)


@PROPERTY
@given(st.data(), WORD)
def test_a_word_finds_the_listing_that_contains_it(data: st.DataObject, word: str) -> None:
    text = in_document(data, word)
    in_title, in_description = document_terms(text), document_terms("", text)
    assert matches(query_plan(word), in_title)
    assert matches(query_plan(word), in_description)
    initials = "".join(choseong(s) or "" for s in word)
    assert matches(query_plan(initials), in_title)


@PROPERTY
@given(st.data(), WORD)
def test_spacing_does_not_matter(data: st.DataObject, word: str) -> None:
    spaces = data.draw(st.lists(st.booleans(), min_size=len(word) - 1, max_size=len(word) - 1))
    spaced = word[0] + "".join(
        (" " if space else "") + s for s, space in zip(word[1:], spaces, strict=True)
    )
    assert matches(query_plan(word), listing(data, in_document(data, spaced)))
    # Spaced-out single syllables are unigram queries, which only titles answer.
    unigrams = any(len(term) == 1 for term in query_plan(spaced).terms)
    text = in_document(data, word)
    assert matches(query_plan(spaced), document_terms(text) if unigrams else listing(data, text))


@PROPERTY
@given(st.data(), st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=40))
def test_a_latin_or_digit_token_finds_its_listing(data: st.DataObject, token: str) -> None:
    terms = listing(data, data.draw(FILLER) + " " + token + " " + data.draw(FILLER))
    assert matches(query_plan(token), terms)
    assert matches(query_plan(token.upper()), terms)
    for end in range(1, len(token) + 1):
        assert matches(query_plan(token[:end], as_you_type=True), terms)


VOWEL_BEFORE = {
    9: 8,
    10: 8,
    11: 8,
    14: 13,
    15: 13,
    16: 13,
    19: 18,
}  # ㅘㅙㅚ ← ㅗ, ㅝㅞㅟ ← ㅜ, ㅢ ← ㅡ


def typing_states(word: str) -> Iterator[str]:
    """What a Korean keyboard can show while ``word`` is typed (and some more): each syllable
    first as its bare consonant, then with its vowel (or the vowel it grows from) and any final
    consonant, which may yet move on to the next syllable."""
    for k, syllable in enumerate(word):
        code = ord(syllable) - 0xAC00
        initial, vowel = code // 588, code // 28 % 21
        yield word[:k] + CHOSEONG[initial]
        for grown in {vowel, VOWEL_BEFORE.get(vowel, vowel)}:
            for final in range(28):
                yield word[:k] + chr(0xAC00 + initial * 588 + grown * 28 + final)


@settings(max_examples=60, deadline=None, database=None)
@given(st.data(), st.text(SYLLABLE, min_size=1, max_size=4))
def test_results_while_typing_include_the_final_results(data: st.DataObject, word: str) -> None:
    text = in_document(data, word)
    in_title = document_terms(text)
    terms = listing(data, text) if len(word) > 1 else in_title  # a lone syllable: titles only
    for state in [*typing_states(word), word]:
        plan = query_plan(state, as_you_type=state != word)
        if state in CHOSEONG:  # the first key: one consonant is no query yet
            assert plan.is_empty
        elif any(len(term) == 1 for term in plan.terms):  # one syllable (책): titles only
            assert matches(plan, in_title), state
        else:
            assert matches(plan, terms), state


@PROPERTY
@given(st.one_of(MIXED_TEXT, st.text()))
def test_a_text_matches_itself(text: str) -> None:
    terms = document_terms(text)
    plan = query_plan(text)
    assert set(plan.terms) <= terms.keys()
    assert plan.prefix is None
    assert matches(plan, terms) is not plan.is_empty
    assert len(plan.terms) <= MAX_QUERY_TERMS


@PROPERTY
@given(st.one_of(MIXED_TEXT, st.text()), st.one_of(MIXED_TEXT, st.text()), st.lists(FILLER))
def test_document_terms_are_deterministic_and_short(
    title: str, description: str, extra: list[str]
) -> None:
    first = list(document_terms(title, description, extra).items())
    assert first == list(document_terms(title, description, extra).items())
    assert all(0 < len(term) <= MAX_TERM_LENGTH for term, _ in first)
    assert all(weight in (TITLE_WEIGHT, EXTRA_WEIGHT, DESCRIPTION_WEIGHT) for _, weight in first)


def sql_rule(plan: QueryPlan, rows: Mapping[str, int]) -> int | None:
    """The documented SQL, row by row: the score, or None when the listing is no result."""
    if plan.is_empty:
        return None
    upper = prefix_upper_bound(plan.prefix) if plan.prefix is not None else ""
    in_range = [term for term in rows if plan.prefix is not None and plan.prefix <= term < upper]
    if plan.prefix is not None and not in_range:  # listing_id IN (the prefix subquery)
        return None
    selected = [term for term in rows if term in plan.terms] if plan.terms else in_range
    if len(selected) < len(plan.terms):  # HAVING COUNT(*) >= number of terms
        return None
    return sum(rows[term] for term in selected)


@PROPERTY
@given(st.data(), MIXED_TEXT, st.booleans())
def test_matches_and_relevance_follow_the_sql_rule(
    data: st.DataObject, text: str, as_you_type: bool
) -> None:
    terms = listing(data, text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    plan = query_plan(text[start:end], as_you_type=as_you_type)
    score = sql_rule(plan, terms)
    assert matches(plan, terms) is (score is not None)
    assert matches(plan, set(terms)) is (score is not None)
    assert relevance(plan, terms) == (score or 0)
    if score is not None:
        assert relevance(plan, terms) >= len(plan.terms)


@PROPERTY
@given(st.one_of(MIXED_TEXT, st.text()))
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert query_plan(once) == query_plan(text)


def test_normalisation_is_idempotent_for_every_bmp_character() -> None:
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        once = normalise(chr(code))
        assert normalise(once) == once, hex(code)
