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

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import chain, pairwise
from operator import add, attrgetter
from typing import NamedTuple

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
# Every syllable's code point → its initial consonant, for str.translate (의자 → ㅇㅈ).
_CHOSEONG_OF = {
    cp: _CHOSEONG[(cp - _SYLLABLE_BASE) // _PER_INITIAL]
    for cp in range(_SYLLABLE_BASE, _SYLLABLE_BASE + _SYLLABLES)
}


def normalise(text: str) -> str:
    """The text as search compares it: NFKC, case folding, invisible characters removed.

    What a user types and what a listing says can spell the same word with different code
    points. NFKC makes full-width Latin ASCII (ＲＴＸ → RTX) and composes Hangul written as
    separate conjoining jamo (NFD, as some Mac and mobile input leaves it) into syllables;
    casefold makes case irrelevant. Two things NFKC would get wrong are handled around it:

    * compatibility jamo (ㄱ-ㅎ, what a keyboard types for a 초성 query such as ㅇㅈ) are
      kept as typed: NFKC would turn them into conjoining jamo and ㅇ + ㅏ into 아;
    * conjoining jamo that NFKC leaves alone (half-width or stray ones) become
      compatibility jamo, so they read as a keyboard would have typed them.

    Default-ignorable characters (zero-width spaces and joiners, soft hyphens, the Hangul
    filler) are removed. Plain ASCII, and text with none of these characters, take a fast
    path. Idempotent.
    """
    if text.isascii():
        return text.lower()
    if _UNUSUAL.search(text) is None:
        return unicodedata.normalize("NFKC", text).casefold()
    text = _IGNORABLES.sub("", text)
    parts = _COMPAT_JAMO_RUN.split(text)  # odd items: runs of compatibility jamo, kept
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


def _bigrams(items: Sequence[str]) -> list[str]:
    """Each item joined to the next: 의자다 → 의자, 자다; [rtx, 4070] → rtx4070."""
    return list(map(add, items, items[1:]))


def _initial_bigrams(word: str) -> list[str]:
    """The 초성 bigrams of a run of syllables: 의자 → ㅇㅈ."""
    return _bigrams(word.translate(_CHOSEONG_OF))


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


# Chunks (words, words with particles) repeat within and across listings: each is analysed
# once, and kept until the cache holds _CACHE_LIMIT of them (then it starts again). An
# unbounded functools.cache: a hit is one dict lookup in C, no bookkeeping.
_CACHE_LIMIT = 1 << 14


@functools.cache
def _analyse(chunk: str) -> _Chunk:
    """The terms of one chunk, and its edges for the terms across the spaces around it."""
    if _SYLLABLE_RUN.fullmatch(chunk):  # the common case: Hangul syllables only
        syllable = chunk[-1]
        return _Chunk(
            tuple(dict.fromkeys([*chunk, *_bigrams(chunk)])),
            tuple(dict.fromkeys(_initial_bigrams(chunk))),
            tail=syllable,
            head=chunk[0],
            unit_tail="",
            unit_head="",
        )
    terms: list[str] = []
    initials: list[str] = []
    unit_head = unit_tail = ""
    for token in _TOKEN.finditer(chunk):
        word = token.group()
        if token.lastgroup == "h":  # syllables
            terms += word
            terms += _bigrams(word)
            initials += _initial_bigrams(word)
        elif token.lastgroup == "j":  # ㅇㅈ written as such: its 초성 bigrams
            initials += _bigrams(word)
        else:  # letters and digits: units, and pairs of adjacent units
            units = _UNIT.findall(word)
            terms += _truncated(units)
            terms += _truncated(_bigrams(units))
            if token.start() == 0:
                unit_head = units[0]
            if token.end() == len(chunk):
                unit_tail = units[-1]
    first, last = chunk[0], chunk[-1]
    return _Chunk(
        tuple(dict.fromkeys(terms)),
        tuple(dict.fromkeys(initials)),
        tail=last if _is_syllable(last) else "",
        head=first if _is_syllable(first) else "",
        unit_tail=unit_tail,
        unit_head=unit_head,
    )


def _chunks(text: str) -> list[str]:
    """The normalised text split at whitespace and at the joiners of a phrase."""
    text = normalise(text)
    for joiner in _JOINERS:  # str.replace is far faster than a regex
        if joiner in text:
            text = text.replace(joiner, " ")
    return text.split()


def _hangul_across(chunks: Sequence[_Chunk]) -> dict[str, None]:
    """Hangul across each space: "원목 의자" → 목의. Where a side is not a syllable, the
    piece is the other side's syllable alone (a term already) and nothing when neither is."""
    pieces = dict.fromkeys(map(add, map(_TAIL, chunks), map(_HEAD, chunks[1:])))
    pieces.pop("", None)
    return pieces


def _units_across(chunks: Sequence[_Chunk]) -> list[str]:
    """Letters and digits across each space: "rtx 4070" → rtx4070."""
    pairs = []
    for left, right in pairwise(chunks):
        if left.unit_tail and right.unit_head:
            pair = _unit_pair(left.unit_tail, right.unit_head)
            if pair is not None:
                pairs.append(pair)
    return pairs


_TERMS = attrgetter("terms")
_INITIALS = attrgetter("initials")
_TAIL = attrgetter("tail")
_HEAD = attrgetter("head")
_UNIT_TAIL = attrgetter("unit_tail")


def _text_terms(text: str, *, initials: bool) -> list[Iterable[str]]:
    """The terms of one text, as iterables to chain (with duplicates), in this order: each
    distinct chunk's terms, (its 초성 bigrams,) the Hangul pieces across spaces, (their 초성
    bigrams,) the letter-digit pairs across spaces."""
    chunks = _chunks(text)
    if _analyse.cache_info().currsize > _CACHE_LIMIT:
        _analyse.cache_clear()
    distinct = list(map(_analyse, dict.fromkeys(chunks)))
    parts: list[Iterable[str]] = [chain.from_iterable(map(_TERMS, distinct))]
    if initials:
        parts.append(chain.from_iterable(map(_INITIALS, distinct)))
    if len(chunks) < 2:
        return parts
    in_order = distinct if len(distinct) == len(chunks) else list(map(_analyse, chunks))
    pieces = _hangul_across(in_order)
    parts.append(pieces)
    if initials:
        parts.append([piece.translate(_CHOSEONG_OF) for piece in pieces if len(piece) == 2])
    if any(map(_UNIT_TAIL, distinct)):  # rare: most chunks end in Hangul or punctuation
        parts.append(_units_across(in_order))
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
            grams = [word] if len(word) == 1 else _bigrams(word)
            if unfinished:
                prefix = _without_final(grams.pop())
            terms += grams
        elif token.lastgroup == "j":
            if len(word) > 1:
                terms += _bigrams(word)
        else:
            units = _UNIT.findall(word)
            grams = _truncated(units if len(units) == 1 else _bigrams(units))
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
