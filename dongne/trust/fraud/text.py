"""Regular-expression helpers and normalisation with a map back to the original text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

# --- regular expressions ----------------------------------------------------------------

# The patterns run on the normalised, lower-cased text. Their alternatives start with a literal
# character, so the regex engine skips ahead to the few places where one may match.


def _matches(
    pattern: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None
) -> Iterator[re.Match[str]]:
    """Like ``finditer`` (for patterns that never match empty), but cheaper when nothing
    matches: a scanner object costs more than a search."""
    end = len(text) if endpos is None else endpos
    m = pattern.search(text, pos, end)
    while m:
        yield m
        m = pattern.search(text, m.end(), end)


def _any(*branches: str) -> str:
    return "|".join(branches)


def _each(heads: Iterable[str], tail: str) -> str:
    return "|".join(head + tail for head in heads)


# --- normalisation, with a map back to the original -----------------------------------------

# ASCII, compatibility jamo (kept as typed, but not the Hangul filler U+3164), Hangul syllables
_PLAIN = "\x00-\x7f\u3131-\u3163\u3165-\u318e\uac00-\ud7a3"
_SPECIAL = re.compile(f"[^{_PLAIN}]+")
_IGNORABLE = (  # default-ignorable code points (invisible), and the keycap of 0️⃣: removed
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u20e3\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff"
)
_IGNORABLES = re.compile(f"[{_IGNORABLE}]+")
_IGNORABLE_SET = frozenset(
    chr(c)
    for a, b in re.findall("(.)(?:-(.))?", _IGNORABLE)
    for c in range(ord(a), ord(b or a) + 1)
)


def _joins_previous(ch: str) -> bool:
    """A combining mark or a conjoining vowel/final jamo: composes with what precedes it."""
    return (
        unicodedata.combining(ch) != 0 or "\u1161" <= ch <= "\u11ff" or "\ud7b0" <= ch <= "\ud7ff"
    )


def _normalise(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """The normalised text and, unless it is the text itself, where each of its characters
    starts and ends in the original. Only the runs of unusual characters are examined, and only
    those that NFKC changes or that hold invisible characters are rebuilt."""
    if text.isascii():
        return text, None, None
    todo: list[tuple[int, int]] = []
    for m in _matches(_SPECIAL, text):
        a, b = m.span()
        if a > 0 and _joins_previous(text[a]):
            a -= 1  # é as e + U+0301, 각 as 가 + U+11A8
        run = text[a:b]
        if not (unicodedata.is_normalized("NFKC", run) and _IGNORABLE_SET.isdisjoint(run)):
            todo.append((a, b))
    if not todo:
        return text, None, None
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for a, b in todo:
        parts.append(text[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        i = a
        while i < b:
            j = i + 1
            while j < b and _joins_previous(text[j]):
                j += 1
            group = text[i:j]
            out = group if "\u3131" <= group <= "\u318e" else unicodedata.normalize("NFKC", group)
            out = _IGNORABLES.sub("", out)
            parts.append(out)
            starts.extend([i] * len(out))
            ends.extend([j] * len(out))
            i = j
        pos = b
    parts.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(parts), starts, ends


_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


def _lower(t: str) -> str:
    """Lower case of the same length, so offsets still hold."""
    low = t.lower()
    return low if len(low) == len(t) else t.translate(_ASCII_LOWER)
