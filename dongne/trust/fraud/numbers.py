"""Phone numbers and bank account numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dongne.trust.fraud.text import _each, _matches

# --- phone numbers ------------------------------------------------------------------------

_DIGITS = str.maketrans("공영빵일이삼사오육륙칠팔구o", "00012345667890")
_D = "(?:[0-9공영빵일이삼사오육륙칠팔구]|o(?![a-z]))"  # a Latin o, unless in a word (photo, on)
_SEP = r"[\s\-‐‑‒–—―−ㅡ_.·~/()\[\]]"
_PHONE_RUN = re.compile(  # starts like a phone (0, 공, +82, 82), then 6+ more digits
    _each(
        (
            r"\+\s?8(?=\s?2)",
            r"8(?<![0-9]8)(?=[\s\-.]{0,3}2)",
            r"0(?<![0-9]0)(?<![0-9][\-.]0)",
            "공",
            "영",
            "빵",
            "o(?<![a-z]o)(?![a-z])",
        ),
        f"(?:{_SEP}{{0,3}}{_D}){{6,}}",
    )
)
_DIGIT_GROUP = re.compile("[0-9o]+|[공영빵일이삼사오육륙칠팔구]+")  # Arabic, or Hangul digits
_CHAIN = re.compile(r"[^\s()\[\]+]+")  # a separator that links groups: 010-123456-01
_PHONE_DIGITS = re.compile(
    r"01[016789]\d{7,8}|02\d{7,8}|0(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])\d{7,8}"
    r"|070\d{8}|050\d{8,9}"
)
_NOT_DIGIT_SYLLABLE = re.compile("[가-힣](?<![공영빵일이삼사오육륙칠팔구])")


def _is_phone(digits: str, country: bool) -> bool:
    if _PHONE_DIGITS.fullmatch(digits):
        return True
    if country and digits.startswith("82"):
        rest = digits[2:]
        return bool(_PHONE_DIGITS.fullmatch(rest if rest.startswith("0") else "0" + rest))
    return False


def _in_word(low: str, start: int, end: int) -> bool:
    """One or two Hangul digits touching other Hangul: part of a word or a particle."""
    return (
        end - start <= 2
        and low[start] >= "\uac00"
        and bool(
            _NOT_DIGIT_SYLLABLE.match(low, end)
            or (start > 0 and _NOT_DIGIT_SYLLABLE.match(low, start - 1))
        )
    )


def _phones(low: str) -> Iterator[tuple[int, int]]:
    for m in _matches(_PHONE_RUN, low):
        a, b = m.span()
        plus = low[a] == "+"
        # (start, end, digits, linked to the previous group by a hyphen chain)
        groups: list[tuple[int, int, str, bool]] = []
        previous_end = a
        for g in _matches(_DIGIT_GROUP, low, a, b):
            s, e = g.span()
            linked = bool(_CHAIN.fullmatch(low, previous_end, s))
            groups.append((s, e, g.group().translate(_DIGITS), linked))
            previous_end = e
        k = 0
        while k < len(groups):
            country = (k == 0 and plus) or groups[k][2] == "82"
            valid: list[int] = []
            digits = ""
            for j in range(k, len(groups)):
                digits += groups[j][2]
                if len(digits) > 13:
                    break
                chain_ends = j + 1 == len(groups) or not groups[j + 1][3]
                if len(digits) >= 9 and chain_ends and _is_phone(digits, country):
                    valid.append(j)
            if not valid:
                k += 1
                continue
            # the longest, unless it ends in a syllable or two of a word: 011-123-4567이에요,
            # 02-538-2290 사무실
            last = next(
                (j for j in reversed(valid) if not _in_word(low, *groups[j][:2])), valid[-1]
            )
            start = a if k == 0 and plus else groups[k][0]
            if start > 0 and low[start - 1] == "(":
                start -= 1
            yield start, groups[last][1]
            k = last + 1


# --- account numbers ----------------------------------------------------------------------

_DASH = "\\-‐‑–—−ㅡ"
_NUMBER_CLUSTER = re.compile(  # 10+ digits joined by dashes, dots or single spaces
    rf"[0-9](?<![0-9,.][0-9])(?:(?:\s?[{_DASH}]\s?|[. ])?[0-9]){{9,}}(?![0-9,])"
)
_CHUNK = re.compile(rf"[0-9]+(?:(?:\s?[{_DASH}]\s?|\.)[0-9]+)*")
_BANK = re.compile(
    r"(?<![a-z])(?:kb|nh|ibk|sc|kdb|mg|im|k)\s?(?:뱅크|은행)|(?<![a-z])(?:kb|nh|ibk|sc|kdb|mg)(?![a-z])"
    r"|국민|신한|우리은행|우리\s?(?=[0-9])|하나은행|하나\s?(?=[0-9])|농협|농축협|기업은행|기업\s?(?=[0-9])"
    r"|카카오\s?뱅크|카뱅|토스\s?뱅크|토뱅|케이\s?뱅크|케뱅|새마을|우체국|수협|신협|제일은행|씨티|시티은행"
    r"|(?:부산|대구|경남|광주|전북|제주|산업|외환|저축)은행|은행|뱅크|금고"
)
_BANK_CODE_BEFORE = re.compile(r"(?<![a-z])(?:kb|nh|ibk|sc|kdb|mg)\Z")
_ACCOUNT_WORD = re.compile(r"계좌|입금|송금|이체|예금주|통장|보내|쏴|넣어|받는\s?분|여기로")
_NOT_ACCOUNT_WORD = re.compile(
    r"운송장|송장|등기|택배\s?번호|주문|예약\s?번호|접수|일련|시리얼|serial|s/?n(?![a-z])|imei|isbn"
    r"|사업자|바코드|회원\s?번호|조회|모델|관리\s?번호|고유\s?번호|카드\s?번호|쿠폰|핀\s?번호|상품권|기프티콘"
)
_POST_OFFICE_WORD = re.compile(r"택배|소포|등기|송장|보냈|발송|접수")
_UNIT_AFTER = re.compile(
    r"\s?(?:(?:원|억|만\s?원|천\s?원)(?:[에이은을도만짜]|(?![가-힣]))|(?:mm|cm|km|kg|gb|tb|mah|%)(?![a-z]))"
)
_DATE = re.compile(
    rf"(?:19|20)[0-9]{{2}}\s?[{_DASH}./]\s?[01]?[0-9]\s?[{_DASH}./]\s?[0-3]?[0-9](?![0-9])"
)
_DATE_PLAIN = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")
_DASHES = re.compile(rf"\s?[{_DASH}]\s?")


def _account_candidates(low: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, spaced): dash/dot chunks of 10–14 digits, and shorter chunks joined by
    single spaces up to 10–14 digits (spaced: they need explicit context)."""
    for cluster in _matches(_NUMBER_CLUSTER, low):
        chunks = [
            (m.start(), m.end(), sum(map(str.isdigit, m.group())))
            for m in _matches(_CHUNK, low, cluster.start(), cluster.end())
        ]
        k = 0
        while k < len(chunks):
            s, e, n = chunks[k]
            if 10 <= n <= 14:
                yield s, e, False
                k += 1
                continue
            j = k
            while n < 10 and j + 1 < len(chunks):
                j += 1
                n += chunks[j][2]
            if j > k and 10 <= n <= 14:
                yield s, chunks[j][1], True
                k = j + 1
            else:
                k += 1


def _accounts(low: str) -> Iterator[tuple[int, int]]:
    for s, e, spaced in _account_candidates(low):
        number = low[s:e]
        digits = "".join(filter(str.isdigit, number))
        if e < len(low) and "a" <= low[e] <= "z":
            continue  # SM-G998N…: a model or serial number
        if s > 0 and "a" <= low[s - 1] <= "z" and not _BANK_CODE_BEFORE.search(low, 0, s):
            continue
        if _UNIT_AFTER.match(low, e):
            continue  # a price or a quantity
        before, after = low[max(0, s - 20) : s], low[e : e + 12]
        bank = _BANK.search(low[max(0, s - 12) : s + 1]) or _BANK.search(after)
        if (
            bank
            and bank.group() == "우체국"
            and _POST_OFFICE_WORD.search(low, max(0, s - 20), e + 10)
        ):
            bank = None  # the post office: 우체국 등기/택배
        if not bank:
            if (
                _is_phone(digits, digits.startswith("82"))
                or _DATE.match(number)
                or _DATE_PLAIN.match(digits)
                or (len(digits) == 13 and digits[:3] in ("978", "979"))  # an ISBN
                or _NOT_ACCOUNT_WORD.search(before)
                or _NOT_ACCOUNT_WORD.search(after[:10])
            ):
                continue
            if not (_ACCOUNT_WORD.search(before) or _ACCOUNT_WORD.search(after)):
                parts = [len(p) for p in _DASHES.split(number)]
                if spaced or len(parts) < 3 or parts == [3, 2, 5]:  # 3-2-5: 사업자등록번호
                    continue
        yield s, e
