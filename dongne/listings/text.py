"""Search terms for listings: Korean-aware, database-neutral, pure Python.

Search needs no database full-text feature. Each listing's title and description become
rows of ``listing_terms(term, listing_id, neighbourhood_id, weight)`` (:func:`document_terms`),
and a query becomes terms that must ALL be present, plus at most one prefix range for
search-as-you-type (:func:`query_plan`). :func:`matches` and :func:`relevance` are the same
rule in Python, for keyword alerts.

Terms, and why:

* Hangul syllable bigrams and unigrams. Many useful words are two syllables (의자), particles
  attach to nouns (자전거를) and spacing is inconsistent (삼성노트북 / 삼성 노트북). A word's
  bigrams are found inside any longer word or particle form; the unigrams serve one-syllable
  queries (책 → 동화책). In documents, bigrams also cross the spaces of a phrase (Hangul words
  separated only by whitespace or ``- / . _ ·``), so 원목의자 finds "원목 의자"; a query never
  joins its own words, so 원목 의자 also finds "의자(원목)" and 아이폰 프로 finds "아이폰15 프로".
* 초성 bigrams (initial consonants of adjacent syllables, as compatibility jamo: 의자 → ㅇㅈ),
  so ㅅㅅㄴㅌㅂ finds 삼성 노트북; from titles (and ``extra`` texts) only. There are 361 of them,
  and a description holds so many that a 초성 query would match it by chance; skipping them
  also saves about a fifth of a listing's terms. A lone consonant is never a term.
* Latin letters and digits as units (a run of letters or a run of digits: rtx4070 → rtx, 4070),
  plus bigrams of adjacent letter/digit units (rtx4070), also across the gaps of a phrase in
  documents. So RTX4070 and "rtx 4070" find each other, 15 does not find 150cm (a digit run is a
  whole unit), and iphone finds IPHONE15.

Search-as-you-type: the last term of an unfinished last word becomes a prefix range (iph,
rtx40); for Hangul the range also holds the syllables the last one may still become (노틉 is on
the way to 노트북: the range 노트 … 노틯), so results while typing include the final ones.

Accepted over-matching: bigrams need not be contiguous in the document (가나다라 needs 가나,
나다, 다라 anywhere); words can match across a space (노트북 finds "노트 북커버"); query words are
not ordered. Not handled: particles in the query (자전거를 does not find "자전거"), 1,000 vs 1000.

Text is normalised first (:func:`normalise`): NFKC (full-width Latin, composed Hangul from
NFD jamo), case folding, invisible format characters removed; compatibility jamo (ㄱ-ㅎ) are
kept as typed. Anything that is not Hangul, a letter or a digit separates tokens. Terms are at
most :data:`MAX_TERM_LENGTH` characters (longer tokens are truncated, the same way on both sides).

The SQL rule, which :func:`matches` and :func:`relevance` mirror exactly (an empty plan
finds nothing; ``upper`` is ``prefix_upper_bound(prefix)``)::

    SELECT listing_id, SUM(weight) AS score FROM listing_terms
    WHERE term IN (:terms)              -- with no terms: term >= :prefix AND term < :upper
      AND listing_id IN (SELECT listing_id FROM listing_terms       -- if there is a prefix
                         WHERE term >= :prefix AND term < :upper)
    GROUP BY listing_id HAVING COUNT(*) >= :number_of_terms  -- all of them: rows are unique

The range compares code points (UTF-8 bytes), as SQLite's default BINARY collation does;
PostgreSQL needs ``COLLATE "C"`` (or a C.UTF-8 database) for the same order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import add, getitem
from typing import NamedTuple, TypeVar

__all__ = [
    "DESCRIPTION_WEIGHT",
    "EXTRA_WEIGHT",
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_TERMS",
    "MAX_TERM_LENGTH",
    "TITLE_WEIGHT",
    "QueryPlan",
    "choseong",
    "document_terms",
    "matches",
    "normalise",
    "prefix_upper_bound",
    "query_plan",
    "relevance",
]

MAX_TERM_LENGTH = 32
MAX_QUERY_LENGTH = 100
"""Characters of the normalised query that are read; a word cut by the limit is dropped."""
MAX_QUERY_TERMS = 12
"""Required terms kept from a query (the first ones), so a pasted paragraph stays cheap."""
TITLE_WEIGHT = 3
EXTRA_WEIGHT = 2
DESCRIPTION_WEIGHT = 1

_SYLLABLE_BASE = 0xAC00
_SYLLABLES = 11172  # 가 … 힣
_PER_INITIAL = 588  # 21 vowels × 28 finals
_PER_VOWEL = 28  # no final + 27 finals
_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
# Vowels an IME can still turn into a compound one: ㅗ→ㅘㅙㅚ, ㅜ→ㅝㅞㅟ, ㅡ→ㅢ (they follow
# their base vowel in the syllable order, so a range covers them).
_VOWEL_GROWTH = {8: 4, 13: 4, 18: 2}

_H = "\uac00-\ud7a3"  # Hangul syllables
_JAMO = "\u3131-\u314e"  # compatibility consonants ㄱ-ㅎ
_ANY_HANGUL = "\u1100-\u11ff\u3131-\u318e\ua960-\ua97f\ud7b0-\ud7ff" + _H
_LETTER = rf"[^\W\d_{_ANY_HANGUL}]"  # a letter of any other script
_JOINERS = "-/._·・ㆍ"  # besides whitespace, what may separate the words of one phrase

_IGNORABLE = (  # default-ignorable code points of the BMP: invisible, removed
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
)
_UNUSUAL = re.compile(  # what the fast path of normalise() cannot handle
    f"[{_IGNORABLE}\u1100-\u11ff\u3131-\u318e\u3200-\u320d\u3260-\u326d\ua960-\ua97f"
    "\ud7b0-\ud7ff\uffa0-\uffdc]"
)
_IGNORABLES = re.compile(f"[{_IGNORABLE}]+")
_COMPAT_JAMO_RUN = re.compile("([\u3131-\u318e]+)")
_CONJOINING = re.compile("[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]")

_SYLLABLE_RUN = re.compile(f"[{_H}]+")
_TOKEN = re.compile(f"(?P<h>[{_H}]+)|(?P<j>[{_JAMO}]+)|(?P<a>[^\\W_{_ANY_HANGUL}]+)")
_UNIT = re.compile(rf"\d+|{_LETTER}+")
_TRAILING_TOKEN = re.compile(r"[^\W_]+\Z")

_V = TypeVar("_V")


def _conjoining_to_compat() -> dict[int, str]:
    """Conjoining jamo (left by NFKC from half-width or stray jamo) → compatibility jamo."""
    table: dict[int, str] = {}
    for cp in chain(range(0x1100, 0x1200), range(0xA960, 0xA980), range(0xD7B0, 0xD800)):
        name = unicodedata.name(chr(cp), "")
        for head in ("HANGUL CHOSEONG ", "HANGUL JUNGSEONG ", "HANGUL JONGSEONG "):
            if name.startswith(head):
                # An archaic jamo without a compatibility form stays: a separator.
                with suppress(KeyError):
                    table[cp] = unicodedata.lookup("HANGUL LETTER " + name[len(head) :])
    return table


_TO_COMPAT = _conjoining_to_compat()
_CHOSEONG_OF = {
    cp: _CHOSEONG[(cp - _SYLLABLE_BASE) // _PER_INITIAL]
    for cp in range(_SYLLABLE_BASE, _SYLLABLE_BASE + _SYLLABLES)
}


def normalise(text: str) -> str:
    """NFKC and case folding; compatibility jamo kept; default-ignorable characters removed.

    Decomposed Hangul (NFD) is composed, full-width Latin becomes ASCII, and jamo left
    conjoining by NFKC become compatibility jamo (ㄱ-ㅎ, what a keyboard types). Idempotent.
    """
    if text.isascii():
        return text.lower()
    if _UNUSUAL.search(text) is None:
        return unicodedata.normalize("NFKC", text).casefold()
    text = _IGNORABLES.sub("", text)
    # Compatibility jamo are left alone: NFKC would make ㅇㅈ conjoining, and ㅇ + ㅏ into 아.
    parts = _COMPAT_JAMO_RUN.split(text)
    parts[::2] = [unicodedata.normalize("NFKC", part) for part in parts[::2]]
    text = "".join(parts).casefold()
    if _CONJOINING.search(text) is not None:
        text = text.translate(_TO_COMPAT)
    return text


def choseong(syllable: str) -> str | None:
    """The initial consonant of one Hangul syllable as a compatibility jamo (의 → ㅇ), else None."""
    if len(syllable) != 1:
        return None
    code = ord(syllable) - _SYLLABLE_BASE
    if 0 <= code < _SYLLABLES:
        return _CHOSEONG[code // _PER_INITIAL]
    return None


def prefix_upper_bound(prefix: str) -> str:
    """The exclusive upper bound of the terms that continue ``prefix`` as it is typed.

    ``prefix <= term < prefix_upper_bound(prefix)`` is ``term.startswith(prefix)``, except
    that a last Hangul syllable without a final consonant also stands for the syllables it can
    still become with a final consonant or a grown vowel (ㅗ → ㅘㅙㅚ, ㅜ → ㅝㅞㅟ, ㅡ → ㅢ): 노트
    covers 노틉 (on the way to 노트북) and 노틔, 고 covers 과. Code-point order, as Python's.
    """
    last = ord(prefix[-1]) - _SYLLABLE_BASE if prefix else -1
    if 0 <= last < _SYLLABLES and last % _PER_VOWEL == 0:
        growth = _VOWEL_GROWTH.get(last // _PER_VOWEL % 21, 1)
        return prefix[:-1] + chr(_SYLLABLE_BASE + last + _PER_VOWEL * growth)
    stem = prefix.rstrip("\U0010ffff")
    if not stem:
        raise ValueError("a prefix needs a character below U+10FFFF")
    following = ord(stem[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # no string holds a surrogate: skip them
        following = 0xE000
    return stem[:-1] + chr(following)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """Every term in ``terms`` is required; if ``prefix`` is set, some term must also lie in
    ``prefix <= term < prefix_upper`` (see :func:`prefix_upper_bound`)."""

    terms: tuple[str, ...] = ()
    prefix: str | None = None
    prefix_upper: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        upper = None if self.prefix is None else prefix_upper_bound(self.prefix)
        object.__setattr__(self, "prefix_upper", upper)

    @property
    def is_empty(self) -> bool:
        """Nothing to search for: the caller returns no results."""
        return not self.terms and self.prefix is None

    def in_prefix_range(self, term: str) -> bool:
        """Whether ``term`` satisfies the prefix condition (False without a prefix)."""
        lower, upper = self.prefix, self.prefix_upper
        return lower is not None and upper is not None and lower <= term < upper


def _is_syllable(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


def _truncated(terms: list[str]) -> list[str]:
    if terms and max(map(len, terms)) > MAX_TERM_LENGTH:
        return [term[:MAX_TERM_LENGTH] for term in terms]
    return terms


def _unit_pair(left: str, right: str) -> str | None:
    """rtx + 4070 → rtx4070; two letter units or two digit units make no term."""
    if left[-1].isdecimal() == right[0].isdecimal():
        return None
    return (left + right)[:MAX_TERM_LENGTH]


class _Chunk(NamedTuple):
    """What a whitespace-free piece of normalised text contributes, and its edges."""

    terms: tuple[str, ...]  # syllables, syllable bigrams, letter and digit units and pairs
    initials: tuple[str, ...]  # 초성 bigrams (and bigrams of jamo written as such)
    tail: str  # the last character if it is a Hangul syllable, else ""
    head: str  # the first character if it is a Hangul syllable, else ""
    unit_tail: str  # the last letter or digit unit if the chunk ends with one, else ""
    unit_head: str


class _Field(dict[str, _V]):
    """chunk → one field of its analysis."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def __missing__(self, chunk: str) -> _V:
        value: _V = getattr(_analyse(chunk), self.field)
        return value


class _Junctions(dict[str, str]):
    """The pieces that start with one tail: head → tail + head (the same string each time)."""

    def __init__(self, tail: str) -> None:
        super().__init__()
        self.tail = tail

    def __missing__(self, head: str) -> str:
        piece = self[head] = self.tail + head
        return piece


class _JunctionsByTail(dict[str, _Junctions]):
    def __missing__(self, tail: str) -> _Junctions:
        junctions = self[tail] = _Junctions(tail)
        return junctions


class _JunctionsOf(dict[str, _Junctions]):
    def __missing__(self, chunk: str) -> _Junctions:
        return _JUNCTIONS_BY_TAIL[_analyse(chunk).tail]


class _InitialPair(dict[str, str]):
    def __missing__(self, piece: str) -> str:
        pair = self[piece] = piece.translate(_CHOSEONG_OF) if len(piece) == 2 else ""
        return pair


# Chunks (words, words with particles) repeat within and across listings: each is analysed
# once, and the pieces across spaces are made once. Plain dicts, so a hit runs no Python
# code and allocates nothing; all are emptied together past _CACHE_LIMIT.
_CACHE_LIMIT = 1 << 14
_TERMS_OF: _Field[tuple[str, ...]] = _Field("terms")
_INITIALS_OF: _Field[tuple[str, ...]] = _Field("initials")
_JUNCTIONS_OF = _JunctionsOf()  # chunk → the pieces starting with its last syllable
_JUNCTIONS_BY_TAIL = _JunctionsByTail()
_HEAD_OF: _Field[str] = _Field("head")
_UNIT_TAIL_OF: _Field[str] = _Field("unit_tail")
_UNIT_HEAD_OF: _Field[str] = _Field("unit_head")
_INITIAL_PAIR_OF = _InitialPair()
_CACHES = (
    _TERMS_OF,
    _INITIALS_OF,
    _JUNCTIONS_OF,
    _JUNCTIONS_BY_TAIL,
    _HEAD_OF,
    _UNIT_TAIL_OF,
    _UNIT_HEAD_OF,
    _INITIAL_PAIR_OF,
)


def _initial_pairs(word: str) -> list[str]:
    """의자 → ㅇㅈ."""
    initials = word.translate(_CHOSEONG_OF)
    return list(map(add, initials, initials[1:]))


def _analyse(chunk: str) -> _Chunk:
    unit_head = unit_tail = ""
    if _SYLLABLE_RUN.fullmatch(chunk):  # the common case
        terms: Iterable[str] = dict.fromkeys(chain(chunk, map(add, chunk, chunk[1:])))
        initials: Iterable[str] = dict.fromkeys(_initial_pairs(chunk))
    else:
        found: list[str] = []
        found_initials: list[str] = []
        for token in _TOKEN.finditer(chunk):
            word = token.group()
            if token.lastgroup == "h":
                found += word
                found += map(add, word, word[1:])
                found_initials += _initial_pairs(word)
            elif token.lastgroup == "j":  # ㅇㅈ written as such: its 초성 bigrams
                found_initials += map(add, word, word[1:])
            else:
                units = _UNIT.findall(word)
                found += _truncated(units)
                found += _truncated(list(map(add, units, units[1:])))
                if token.start() == 0:
                    unit_head = units[0]
                if token.end() == len(chunk):
                    unit_tail = units[-1]
        terms = dict.fromkeys(found)
        initials = dict.fromkeys(found_initials)
    first, last = chunk[0], chunk[-1]
    info = _Chunk(
        tuple(terms),
        tuple(initials),
        last if _is_syllable(last) else "",
        first if _is_syllable(first) else "",
        unit_tail,
        unit_head,
    )
    _TERMS_OF[chunk] = info.terms
    _INITIALS_OF[chunk] = info.initials
    _JUNCTIONS_OF[chunk] = _JUNCTIONS_BY_TAIL[info.tail]
    _HEAD_OF[chunk] = info.head
    _UNIT_TAIL_OF[chunk] = info.unit_tail
    _UNIT_HEAD_OF[chunk] = info.unit_head
    return info


def _text_terms(text: str, *, initials: bool) -> list[Iterable[str]]:
    """The terms of one text, as iterables to chain (with duplicates)."""
    text = normalise(text)
    for joiner in _JOINERS:  # a joiner is a space; str.replace is far faster than a regex
        if joiner in text:
            text = text.replace(joiner, " ")
    chunks = text.split()
    if len(_TERMS_OF) > _CACHE_LIMIT or len(_INITIAL_PAIR_OF) > _CACHE_LIMIT:
        for cache in _CACHES:
            cache.clear()
    unique = dict.fromkeys(chunks)
    parts: list[Iterable[str]] = [chain.from_iterable(map(_TERMS_OF.__getitem__, unique))]
    if initials:
        parts.append(chain.from_iterable(map(_INITIALS_OF.__getitem__, unique)))
    if len(chunks) < 2:
        return parts
    following = chunks[1:]
    # Hangul across a space: "원목 의자" → 목의, ㅁㅇ. Where a side is not a syllable the piece
    # is one syllable (a term already) or empty.
    pieces = dict.fromkeys(
        map(getitem, map(_JUNCTIONS_OF.__getitem__, chunks), map(_HEAD_OF.__getitem__, following))
    )
    pieces.pop("", None)
    parts.append(pieces)
    if initials:
        parts.append(filter(None, map(_INITIAL_PAIR_OF.__getitem__, pieces)))
    # Letters and digits across a space: "rtx 4070" → rtx4070 (rare: a plain loop).
    if any(map(_UNIT_TAIL_OF.__getitem__, unique)):
        across = []
        for left, right in compress(
            zip(chunks, following, strict=False), map(_UNIT_TAIL_OF.__getitem__, chunks)
        ):
            head = _UNIT_HEAD_OF[right]
            if head and (pair := _unit_pair(_UNIT_TAIL_OF[left], head)) is not None:
                across.append(pair)
        parts.append(across)
    return parts


def _not_a_syllable(term: str) -> bool:
    return len(term) != 1 or not "\uac00" <= term <= "\ud7a3"


def document_terms(title: str, description: str = "", extra: Iterable[str] = ()) -> dict[str, int]:
    """The index terms of a listing, each with its weight (the highest where it occurs).

    ``extra`` holds other short texts of the listing (category name, tags), each indexed on its
    own at :data:`EXTRA_WEIGHT`. 초성 terms and single syllables come from the title and
    ``extra`` only: a description's syllables would make a third of its terms, and a
    one-syllable query (책) is about what a listing *is*, which its title says. Deterministic,
    including the order of the keys.
    """
    terms = dict.fromkeys(
        filter(_not_a_syllable, chain.from_iterable(_text_terms(description, initials=False))),
        DESCRIPTION_WEIGHT,
    )
    for text in extra:
        parts = _text_terms(text, initials=True)
        terms.update(dict.fromkeys(chain.from_iterable(parts), EXTRA_WEIGHT))
    parts = _text_terms(title, initials=True)
    terms.update(dict.fromkeys(chain.from_iterable(parts), TITLE_WEIGHT))
    return terms


def _without_final(gram: str) -> str:
    """노틉 → 노트: a final consonant being typed may yet move on to the next syllable."""
    code = ord(gram[-1]) - _SYLLABLE_BASE
    return gram[:-1] + chr(_SYLLABLE_BASE + code - code % _PER_VOWEL)


def query_plan(query: str, *, as_you_type: bool = False) -> QueryPlan:
    """The terms a listing must have to match ``query`` (see the module docstring).

    With ``as_you_type``, the last word, if the query does not end with a separator, may be
    unfinished: its last term becomes the prefix (iph, rtx40, 노틉 → 노트 …), so that every state
    on the way to a word finds at least what the word finds. A lone consonant is never a term
    (삼성ㄴ is 삼성; ㅅ alone is an empty query).
    """
    text = normalise(query[: 4 * MAX_QUERY_LENGTH])
    cut = len(query) > 4 * MAX_QUERY_LENGTH or len(text) > MAX_QUERY_LENGTH
    if cut:  # keep whole tokens only: a cut "iphone" must not become "iph"
        text = _TRAILING_TOKEN.sub("", text[: MAX_QUERY_LENGTH + 1])
    tokens = list(_TOKEN.finditer(text))
    open_end = as_you_type and not cut and bool(tokens) and tokens[-1].end() == len(text)
    terms: list[str] = []
    prefix: str | None = None
    for i, token in enumerate(tokens):
        word = token.group()
        unfinished = open_end and i == len(tokens) - 1
        if token.lastgroup == "h":
            grams = [word] if len(word) == 1 else list(map(add, word, word[1:]))
            if unfinished:
                prefix = _without_final(grams.pop())
            terms += grams
        elif token.lastgroup == "j":
            if len(word) > 1:
                terms += map(add, word, word[1:])
        else:
            units = _UNIT.findall(word)
            grams = list(_truncated(units if len(units) == 1 else list(map(add, units, units[1:]))))
            if unfinished:
                prefix = grams.pop()
            terms += grams
    return QueryPlan(tuple(dict.fromkeys(terms))[:MAX_QUERY_TERMS], prefix)


def matches(plan: QueryPlan, terms: Mapping[str, int] | AbstractSet[str]) -> bool:
    """Whether a listing with these index terms is a result of ``plan`` (the SQL rule)."""
    if plan.is_empty or not all(term in terms for term in plan.terms):
        return False
    return plan.prefix is None or any(map(plan.in_prefix_range, terms))


def relevance(plan: QueryPlan, terms: Mapping[str, int] | AbstractSet[str]) -> int:
    """The SQL score: the sum of the weights of the required terms, or with none, of the
    listing's terms in the prefix range; 0 when the listing does not match.

    A set of terms counts each term as weight 1.
    """
    if not matches(plan, terms):
        return 0
    weights: Mapping[str, int] = terms if isinstance(terms, Mapping) else dict.fromkeys(terms, 1)
    if plan.terms:
        return sum(weights[term] for term in plan.terms)
    return sum(weight for term, weight in weights.items() if plan.in_prefix_range(term))


if __name__ == "__main__":  # micro-benchmark: python -m dongne.listings.text
    import random
    import time

    def per_call_us(function: object, *args: object, rounds: int = 9, calls: int = 200) -> float:
        """The best of some rounds, in CPU time: other processes on the machine matter less."""
        best = float("inf")
        for _ in range(rounds):
            started = time.process_time()
            for _ in range(calls):
                function(*args)  # type: ignore[operator]
            best = min(best, time.process_time() - started)
        return best / calls * 1e6

    title = "[급처] 삼성 갤럭시북3 프로 16인치 i7 RTX4050 노트북 (거의 새것, 풀박스) 직거래 팝니다"
    description = (
        "작년 12월에 구매한 삼성 갤럭시북3 프로 노트북입니다. 회사에서 업무용으로 지급받아서 "
        "개인적으로는 거의 사용하지 않았고, 배터리 사이클도 30회 미만이에요. 외관 찍힘이나 "
        "기스 없이 깨끗하고, 액정 보호필름 붙여서 사용했습니다. 구성품은 본체, 65W 충전기, "
        "설명서, 박스 전부 있습니다. i7-1360P, 16GB 램, 512GB SSD, RTX 4050 그래픽카드라 "
        "가벼운 게임이나 영상 편집도 잘 됩니다. 직거래는 역삼역 근처에서 가능하고 퇴근 후 "
        "저녁 7시 이후 편하신 시간에 연락 주세요. 택배 거래는 안전결제로만 합니다. 가격 "
        "네고는 어렵습니다. 노트북 가방이랑 무선 마우스도 같이 드려요. 사진에 보이는 그대로고 "
        "정품 인증 확인 가능합니다. 관심 있으신 분은 채팅 주세요! 😊 ㅎㅎ"
    )
    words = (
        "원목 의자 책상 침대 소파 냉장고 세탁기 자전거 유모차 카시트 아이폰 갤럭시 노트북 "
        "모니터 키보드 마우스 이어폰 충전기 케이스 가방 지갑 신발 운동화 패딩 코트 원피스 "
        "장난감 동화책 전집 블록 인형 캠핑 텐트 의자 테이블 조명 커튼 이불 베개 화분 "
        "상태 사용감 깨끗 생활기스 찍힘 직거래 택배 반값 택배비 포함 별도 가능 불가 네고 "
        "연락 채팅 문의 시간 퇴근 주말 평일 저녁 오전 근처 역 앞 아파트 정문 보관 구매 "
        "선물 이사 정리 급처 새상품 미개봉 정품 영수증 보증서 박스 구성품 설명서 사진 참고"
    )
    vocabulary = words.split()
    particles = ["", "", "", "을", "를", "이", "가", "은", "는", "에", "에서", "으로", "도", "만"]
    endings = ["팝니다.", "있어요.", "합니다.", "드려요.", "주세요!", "했어요.", "가능해요."]
    rng = random.Random(20261123)
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]  # Zipf-like
    long_description = ""
    while len(long_description) < 4000:
        sentence = [
            rng.choices(vocabulary, weights)[0] + rng.choice(particles)
            for _ in range(rng.randint(3, 8))
        ]
        if rng.random() < 0.2:
            sentence.insert(rng.randrange(len(sentence)), rng.choice(["RTX4070", "256GB", "15"]))
        long_description += " ".join(sentence) + " " + rng.choice(endings) + "\n"
    long_description = long_description[:4000]

    def baseline(text: str) -> set[str]:
        return set(text.lower().split())

    typical = document_terms(title, description)
    print(f"typical listing: {len(title)}-char title + {len(description)}-char description")
    print(
        f"  {len(typical)} terms: {sum(len(t) == 1 and _is_syllable(t) for t in typical)} "
        f"syllables, {sum(len(t) == 2 and _is_syllable(t[0]) for t in typical)} syllable "
        f"bigrams, {sum(t[0] in _CHOSEONG for t in typical)} 초성 bigrams, "
        f"{sum(not _is_syllable(t[0]) and t[0] not in _CHOSEONG for t in typical)} letters/digits"
    )
    for label, body in (("typical", description), ("long", long_description)):
        warm = per_call_us(document_terms, title, body)
        cold = per_call_us(
            lambda t, d: ([c.clear() for c in _CACHES], document_terms(t, d)), title, body
        )
        base = per_call_us(lambda t, d: (baseline(t), baseline(d)), title, body)
        print(
            f"document_terms, {label} ({len(title)}+{len(body)} chars, "
            f"{len(document_terms(title, body))} terms): {warm:7.1f} µs warm cache, "
            f"{cold:7.1f} µs cold; {warm / base:4.1f}× set(text.lower().split())"
        )
    for query in ("의자", "삼성 노트북", "아이폰 15 프로 256기가", "ㅅㅅㄴㅌㅂ", "RTX4070"):
        us = per_call_us(query_plan, query, calls=2000)
        typing = per_call_us(lambda q: query_plan(q, as_you_type=True), query, calls=2000)
        print(f"query_plan({query!r}): {us:5.1f} µs, as you type {typing:5.1f} µs")
    plan = query_plan("노트북 rtx")
    terms = document_terms(title, long_description)
    print(
        f"matches() against the long listing: {per_call_us(matches, plan, terms, calls=2000):.2f} µs"
    )
