"""Fraud signals in chat messages and listing texts: the patterns that precede most
second-hand fraud.

:func:`scan` finds five kinds of :class:`Signal`, each a :class:`Finding` whose span points into
the ORIGINAL text, so the chat can mark it and :func:`mask_accounts` can hide it. The message is
always delivered; the receiver sees a warning card per signal (:data:`WARNING_MESSAGES`, msgids
to translate) and account digits masked (all but the last four; separators kept) until they
tap to reveal. Pure Python; every pattern is compiled once, and their alternatives start with a
literal character so the regex engine skips to the few places where one can match (run this
module for a micro-benchmark).

Text is normalised first, with a map back to the original offsets: NFKC (full-width digits and
Latin, circled digits, NFD Hangul from some keyboards), invisible characters removed (zero-width
spaces and joiners, bidi marks, variation selectors, Hangul fillers, the keycap of 0️⃣), ASCII
lower case. Compatibility jamo are kept as typed (ㅡ is a dash, ㅋㅋ a laugh).

Decisions on the ambiguous cases (tests/trust/fraud_corpus.tsv is labelled by them):

* PHONE: Korean numbers: mobile 010/011/016–019 (+7 or 8 digits, so old 010-XXX-XXXX too),
  Seoul 02, area codes 031–064 (+7–8), 070, 050X safe numbers; also after +82 or 82. Between
  the digits: nothing, or up to three of space, hyphen, dot, ㅡ, dash, bracket, slash, ~, _, ·.
  Korean spelled digits (공/영/빵 0, 일 1, 이 2, 삼 3, 사 4, 오 5, 육/륙 6, 칠 7, 팔 8, 구 9) and a
  Latin o that is not part of a word count as digits, but only in a run that starts like a
  phone (0, 공, 영, 빵, o, +82, 82) and is a whole valid number of 9–12 digits, so ordinary
  words (오후, 이사, 일요일, 공구) never make one. One or two digit-syllables that belong to the
  next word are left out (011-123-4567이에요, 02-538-2290 사무실). A number that goes on in a
  hyphen chain (010-123456-01-011, an IBK account) is not a phone. 1588/1577/1600-style
  numbers are NOT flagged: they are public business lines (service centres, couriers), not a
  way to take the chat elsewhere. Known misses: Chinese numerals (010-33九1-…), words between
  the parts (공일공에 …).
* ACCOUNT: 10–14 digits (joined by hyphens, dots or single spaces) near a bank name (KB,
  카뱅, 신한, 우체국 …; 우리/하나/기업 only right before the digits or with 은행), or near
  계좌/입금/송금/이체/예금주/통장/보내; with no context at all, only when hyphenated like an
  account (three or more parts, not the 3-2-5 of a business registration number). Never:
  phone numbers (unless a bank name makes it a phone-number account: then both), prices and
  amounts (120000000원), dates, digits glued to Latin letters (model and serial numbers; bank
  codes such as NH302-… excepted), ISBNs, and numbers named as 운송장/송장/등기/주문/예약/
  접수/일련/시리얼/IMEI/바코드/사업자 … numbers — a tracking number is not an account, even
  after 택배 (and 우체국 next to 택배/등기/보냈 is the post office). Spelled-out account digits
  are not detected.
* OFF_PLATFORM: moving the conversation elsewhere: KakaoTalk with an intent (카톡 아이디, 카톡
  주세요, 카톡으로 …, 카톡 있으세요?, 카톡: id), 오픈채팅/오픈톡, Telegram (any mention of
  텔레그램; 텔레 only with an intent, so never 텔레비전), LINE (라인 아이디/라인으로 연락; never
  온라인, 라인업, 가이드라인, A라인, 2호선 라인), WeChat, WhatsApp, Discord, Instagram DM, asking
  for or offering a phone number (번호 알려주세요, 연락처 남겨주세요, 번호 남겨요, 문자 주세요,
  통화 가능하세요?), e-mail addresses (a contact outside the chat; not also an EXTERNAL_LINK),
  and messenger links. A mere mention of KakaoTalk is NOT flagged (카톡 알림이 안 와서 늦게
  봤어요, 카톡 선물하기, 카카오페이, 카카오맵), nor a refusal (번호 교환은 어려워요).
* PREPAYMENT: 선입금/선결제/선금, 입금·송금·결제·돈 먼저 (or 부터, 미리), 입금 확인 후/입금되면/
  입금해주시면 + 발송·택배·보내, 계좌로 보내주시면 + 택배, 택배거래만 + 입금/계좌,
  예약금·계약금·보증금 + 보내/입금/먼저, 택배비·배송비·반값 먼저, 가상계좌, and fake
  escrow: 안전결제/안전거래 링크·사이트, 네이버페이/번개장터/중고나라 … 안전결제, 결제 링크.
  A buyer offering to prepay is flagged too (the card then warns the seller, harmlessly).
  A negation just after the phrase cancels it (선입금은 안 받아요, 선입금 요구하면 사기예요,
  선입금 없이), but not "… 사기 아니에요" nor "…해주시면 안 될까요?". Paying in the app
  (당근페이), cash or a transfer at the meeting, and the buyer paying the shipping fee are fine.
* EXTERNAL_LINK: http(s) URLs, www., IPv4 addresses with a port or path, bare domains with a
  common TLD (naver.me, bit.ly, han.gl, me2.do, url.kr, youtu.be, forms.gle …), also with the dot
  written "(.)", "[.]" or "(dot)". Hosts in ``own_hosts`` (host or host:port, given bare or as a
  URL) and their subdomains are fine; an entry with a port matches that port only.
  Messenger links (open.kakao.com, t.me, line.me, wa.me) are EXTERNAL_LINK and OFF_PLATFORM.
  Not links: 3.5kg, v1.2, Ver.2, iOS 17.2, decimals, file names (사진.jpg, photo.pdf). Known
  miss: a bare domain with an uncommon TLD and no scheme or www.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from dongne.kit.i18n import N_

__all__ = ["WARNING_MESSAGES", "Finding", "Scan", "Signal", "mask_accounts", "scan"]


class Signal(StrEnum):
    PHONE = "phone"
    ACCOUNT = "account"
    OFF_PLATFORM = "off_platform"
    PREPAYMENT = "prepayment"
    EXTERNAL_LINK = "external_link"


WARNING_MESSAGES: dict[Signal, str] = {
    Signal.PHONE: N_(
        "전화번호가 들어 있는 메시지예요. 채팅 밖에서 연락하면 문제가 생겨도 도움을 받기 어려워요."
    ),
    Signal.ACCOUNT: N_(
        "계좌번호가 들어 있는 메시지예요. 직접 만나 물건을 확인하기 전에는 돈을 보내지 마세요."
    ),
    Signal.OFF_PLATFORM: N_(
        "다른 메신저나 연락처로 대화를 옮기자는 요청은 사기의 흔한 시작이에요. "
        "대화는 채팅에서 이어가세요."
    ),
    Signal.PREPAYMENT: N_(
        "직접 만나기 전에 돈을 먼저 보내달라는 요청은 사기일 수 있어요. 안전하게 만나서 거래하세요."
    ),
    Signal.EXTERNAL_LINK: N_(
        "외부 사이트 링크예요. 결제, 로그인, 개인정보 입력을 요구하는 링크는 열지 마세요."
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    signal: Signal
    start: int
    end: int  # a span of the original text: text[start:end]


@dataclass(frozen=True, slots=True)
class Scan:
    findings: tuple[Finding, ...] = ()  # sorted by (start, end, signal)

    @property
    def signals(self) -> frozenset[Signal]:
        return frozenset(f.signal for f in self.findings)

    @property
    def flagged(self) -> bool:
        return bool(self.findings)


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


# --- links and e-mail -----------------------------------------------------------------------

_TLD = (
    "com|net|org|kr|me|io|ly|gl|do|so|to|cc|co|info|biz|shop|store|xyz|site|online|link|click|"
    "top|app|dev|page|live|club|vip|fun|icu|ai|us|cn|jp|tv|gg|im|la|be|asia|pro|win|bet|ru|eu|"
    "uk|ws|tk|ml|ga|cf|kim|plus|world|today|life|space|website|tech|pw|su|name|mobi|ink|gle|"
    "lol|one|fm|tw|hk|sg|vn|th|ph|au|ca|de|fr|es|nl|ch|se|pl|tr|br|st|sh|ac|gd|nu|cx|bz|li"
)
_URL = re.compile(r"https?://[^\s<>\"'{}|\\^`\uac00-\ud7a3]+")
_TLD_AT = re.compile(  # the last dot of a domain (also written "(.)", "[.]", "(dot)")
    _each(
        (r"\.", r"\(\.\)\s?", r"\[\.\]\s?", r"\(dot\)\s?", r"\[dot\]\s?"),
        f"(?:{_TLD})(?![a-z0-9-])",
    )
)
_DOMAIN_REST = re.compile(r"(?:\.[a-z0-9][a-z0-9-]*+)*(?::[0-9]{2,5})?(?:[/?#][!-~]*)?")
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")
_IP = re.compile(r"(?<![\w.])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]{2,5}(?:[/?#][!-~]*)?|/[!-~]*)")
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+\-])[a-z0-9._%+\-]{1,64}@(?:[a-z0-9][a-z0-9-]*+\.)+[a-z]{2,}(?![a-z0-9-])"
)
_MESSENGER_HOSTS = frozenset(
    ("open.kakao.com", "pf.kakao.com", "qr.kakao.com", "t.me", "telegram.me", "line.me", "wa.me")
)
_TRAILING = ".,!?;:'\")]}>"
_OBFUSCATED_DOT = re.compile(r"\s?(?:\(\.\)|\[\.\]|\(dot\)|\[dot\])\s?")


def _domains(low: str) -> Iterator[tuple[int, int]]:
    end = 0
    for m in _matches(_TLD_AT, low):
        i = m.start()
        if i < end:
            continue  # inside the previous one (abc.co.kr)
        if low[i] != "." and i > 0 and low[i - 1] == " ":
            i -= 1  # "bit (.) ly"
        j, bound = i, max(end, i - 253)  # a host name has at most 253 characters
        while j > bound and low[j - 1] in _LABEL_CHARS:
            j -= 1
        while j < i and low[j] in ".-":
            j += 1
        if j == i or not low[i - 1].isalnum():
            continue
        rest = _DOMAIN_REST.match(low, m.end())
        end = rest.end() if rest else m.end()
        yield j, end


def _host(link: str) -> tuple[str, str]:
    """(host, port) of a link: lower case, without www. and with plain dots."""
    rest = _OBFUSCATED_DOT.sub(".", link.lower().split("://", 1)[-1])
    host, _, port = re.split(r"[/?#]", rest, maxsplit=1)[0].partition(":")
    return host.removeprefix("www."), port


def _is_own(host: str, port: str, own: list[tuple[str, str]]) -> bool:
    return any((host == h or host.endswith("." + h)) and (not p or p == port) for h, p in own)


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


# --- phrases --------------------------------------------------------------------------------

_ID = r"(?:아이디|아디|아뒤|id|계정|친추|친구\s?추가|플친|검색|추가)"
_TALK = r"(?:연락|대화|얘기|애기|이야기|문의|톡|말씀|대답|답장|사진|상세|자세)"
_ASK = (
    r"(?:주세요|줘|주셈|주실|주시|ㄱ|하자|해요|할래|하실래|하세요|하시나|하시면|하나요|가능|되세요|되시|돼요"
    r"|되나|있으세요|있으신|있나요|있어요\?|보내\s?(?:주|줘|드))"
)
_GIVE = r"(?:알려|남겨|주세요|줘|주시|주실|드릴|드려|교환|적어|보내|부탁)"
_OFF_PLATFORM = re.compile(
    _any(
        _each(
            (
                r"카\s?카\s?오\s?톡",
                r"카\s?톡",
                r"까\s?톡",
                "카카오",
                r"kakao\s?talk",
                "kakao",
                "katalk",
                r"k(?<![a-z]k)\s?톡",
                "ㅋㅌ",
            ),
            rf"\s?(?:{_ID}|으?로(?!\s?(?:받|왔|온|봤|본|선물))|에서\s?{_TALK}|{_ASK}"
            r"|[:：]\s?[a-z][a-z0-9_.]{2,}|\s[a-z][a-z0-9_.]*[0-9_][a-z0-9_.]*)",
        ),
        _each(("오",), r"\s?픈\s?(?:채\s?팅|톡|카톡|챗|카카오)"),
        "오카방",
        r"open\s?chat",
        _each(("텔레그램", "텔레그렘", "텔레그람", "telegram", "텔그"), ""),
        _each(("텔레", "tele"), rf"\s?(?:{_ID}|으?로|{_ASK}|연락)"),
        _each(
            ("라",), rf"(?<![가-힣a-z0-9]라)인\s?(?:{_ID}|메신저|(?:으로|에서|로)\s?{_TALK}|{_ASK})"
        ),
        _each(("line",), rf"(?<![a-z]line)\s?(?:{_ID}|messenger|메신저|으로|로)"),
        _each(
            (
                "위챗",
                "위쳇",
                "wechat",
                "웨이신",
                "왓츠앱",
                "왓츠업",
                "whatsapp",
                "페메",
                "스냅챗",
                "snapchat",
            ),
            "",
        ),
        _each(
            ("디스코드", "discord", "인스타그램", "인스타", "instagram", "insta"),
            rf"\s?(?:{_ID}|(?:으로|로)\s?(?:{_TALK}|{_ASK})|디엠|dm)",
        ),
        _each(("dm", "디엠"), rf"(?<![a-z]dm)\s?(?:{_GIVE}|{_ASK})"),
        _each(
            ("전화", "폰", "핸드폰", "휴대폰", "핸폰"),
            rf"\s?번호\s?(?:좀\s?)?(?:{_GIVE}|는|가|요|여기)",
        ),
        _each(("연락처", "번호"), rf"\s?(?:좀\s?)?{_GIVE}"),
        _each(
            ("문자", "전화", "통화"),
            r"\s?(?:로\s?)?(?:주세요|주시면|줘|주셈|남겨|연락|부탁|가능하세요|가능하신|가능할까|되세요"
            r"|드릴게|드려도|주실|하실래|할래요|하실\s?수)",
        ),
    )
)
_NUMBER_OF_SOMETHING = re.compile(
    r"(?:송장|주문|계좌|모델|예약|접수|택배|등기|일련|회원|사업자|카드)\s?\Z"
)

_MONEY = ("입금", "송금", "이체", "결제", "돈", "대금", "금액", r"물건\s?값", "비용")
_TRANSFER = ("입금", "송금", "이체")
_SHIP = r"(?:발송|배송|택배|보내|부쳐|부칠|출고|접수|보낼|쏴|넘겨)"
_PREPAYMENT = re.compile(
    _any(
        _each(("선",), r"\s?(?:입금|결제|송금|이체)"),
        "선금(?!지)",
        r"가상\s?계좌",
        rf"먼저\s?(?:{'|'.join(_MONEY)}|계좌)",
        _each(_MONEY, r"\s?(?:을|를|은|는|이|부터|도|만)?\s?먼저"),
        _each(_MONEY, r"\s?(?:을|를)?\s?부터"),
        rf"미리\s?(?:{'|'.join(_MONEY)})",
        _each(
            _TRANSFER,
            r"\s?(?:확인\s?(?:후|되면|되시면|하고|하면|되는\s?대로|뒤|해야|되야|돼야)|되면|되는\s?대로"
            r"|해\s?주시면|하시면|주시면|해\s?주면|해\s?주셔야|해\s?주셔야만|해야|하셔야)"
            rf"[^.\n]{{0,10}}?{_SHIP}",
        ),
        rf"계좌로\s?(?:돈\s?)?(?:보내|입금|송금|이체)\s?(?:주시면|해\s?주시면|하시면|주면)[^.\n]{{0,10}}?{_SHIP}",
        r"택배\s?거래만?[^.\n]{0,30}?(?:입금|계좌|송금|이체)",
        _each(("입금", "계좌", "송금", "이체"), r"[^.\n]{0,30}?택배\s?거래만"),
        _each(("안전",), r"\s?(?:결제|거래|송금|구매)\s?(?:링크|url|주소|사이트|페이지|창)"),
        r"결제\s?(?:링크|url)",
        _each(
            (
                r"네이버\s?페이",
                "네이버",
                "네페",
                r"번개\s?장터",
                "번장",
                r"중고\s?나라",
                r"카카오\s?페이",
                "토스",
                "페이코",
                "쿠팡",
            ),
            r"\s?(?:로\s?|으로\s?)?안전\s?(?:결제|거래|송금)",
        ),
        _each(
            ("예약금", "계약금", "보증금", "착수금", "가계약금", "홀딩비", "찜비"),
            r"[^.\n]{0,12}?(?:먼저|보내|입금|송금|이체|주시|걸어|넣어|부탁)",
        ),
        _each(
            ("택배비", "배송비", "반값", "절반", "반만", "일부"),
            r"[^.\n]{0,10}?(?:먼저|미리|선입금)",
        ),
    )
)
_NEGATION = re.compile(
    r"[^.\n]{0,10}?(?:(?<!면)(?<!면\s)안\s?(?:해|하|받|돼|되|됩|보내|드려|할|합)|않|없이|어렵|어려|불가"
    r"|못\s?(?:해|하|드|보내)|수\s?없|사절|노노|ㄴㄴ|싫|금지|하지\s?마|마세요|말고|조심|주의|위험|요구하"
    r"|하라는|해달라는|달라는|라는|x(?![a-z])|(?<!사기\s)(?<!사기)(?:아니(?:고|에요|예요|요|라)|아닙)"
    r"|사기(?!\s?(?:아니|아녜|아닙|아님|절대)))"
)


def _phrases(low: str) -> Iterator[tuple[Signal, int, int]]:
    for m in _matches(_OFF_PLATFORM, low):
        if m.group().startswith("번호") and _NUMBER_OF_SOMETHING.search(low, 0, m.start()):
            continue  # 송장 번호 알려드릴게요
        if _NEGATION.match(low, m.end()):
            continue  # 번호 교환은 어려워요
        yield Signal.OFF_PLATFORM, m.start(), m.end()
    for m in _matches(_PREPAYMENT, low):
        if not _NEGATION.match(low, m.end()):
            yield Signal.PREPAYMENT, m.start(), m.end()


# --- the scan -------------------------------------------------------------------------------


def scan(text: str, *, own_hosts: Iterable[str] = ()) -> Scan:
    """Every fraud signal in ``text``. Links to ``own_hosts`` (host or host:port; their
    subdomains too) are fine."""
    t, starts, ends = _normalise(text)
    low = _lower(t)
    raw: list[tuple[Signal, int, int]] = []
    emails = [m.span() for m in _matches(_EMAIL, low)] if "@" in low else []
    raw.extend((Signal.OFF_PLATFORM, s, e) for s, e in emails)
    links = [m.span() for m in _matches(_URL, low)] if "://" in low else []
    links.extend(_domains(low))
    if "." in low and (":" in low or "/" in low):
        links.extend(m.span() for m in _matches(_IP, low))
    taken = emails  # e-mails and links, sorted and apart: their digits are no phone
    if links:
        own = [_host(h.strip()) for h in own_hosts if h.strip()]
        last = 0
        for s, e in sorted(links):
            e = s + len(low[s:e].rstrip(_TRAILING))
            if s < last or any(s < b and a < e for a, b in emails):
                continue
            last = e
            taken.append((s, e))
            host, port = _host(low[s:e])
            if _is_own(host, port, own):
                continue
            raw.append((Signal.EXTERNAL_LINK, s, e))
            if host in _MESSENGER_HOSTS:
                raw.append((Signal.OFF_PLATFORM, s, e))
    taken.sort()
    taken_starts = [s for s, _ in taken]

    def free(s: int, e: int) -> bool:
        k = bisect_left(taken_starts, e) - 1
        return k < 0 or taken[k][1] <= s

    raw.extend((Signal.PHONE, s, e) for s, e in _phones(low) if free(s, e))
    raw.extend((Signal.ACCOUNT, s, e) for s, e in _accounts(low) if free(s, e))
    raw.extend(f for f in _phrases(low) if free(f[1], f[2]))
    if starts is not None and ends is not None:
        raw = [(sig, starts[s], ends[e - 1]) for sig, s, e in raw]
    unique = sorted(set(raw), key=lambda f: (f[1], f[2], f[0].value))
    return Scan(tuple(Finding(sig, s, e) for sig, s, e in unique))


def mask_accounts(text: str, scan: Scan) -> str:
    """``text`` with the digits of every account number replaced by • except the last four
    (the receiver taps to reveal the original). ``scan`` must be ``scan(text)``."""
    chars = list(text)
    for f in scan.findings:
        if f.signal is not Signal.ACCOUNT:
            continue
        if f.end > len(text):
            raise ValueError("the scan is not of this text")
        positions = [i for i in range(f.start, f.end) if text[i].isdigit()]
        for i in positions[:-4]:
            chars[i] = "•"
    return "".join(chars)


if __name__ == "__main__":  # a micro-benchmark (python -m dongne.trust.fraud), not a test
    import timeit
    from collections.abc import Callable
    from functools import partial

    listing = (
        "[판매] 아이폰 15 프로 256GB 내추럴 티타늄 / 2024년 5월 구매, 배터리 효율 94% 🔋 "
        "케이스+필름 끼고 써서 기스 없어요 ㅎㅎ 풀박스, 충전기 미포함. 가격 1,050,000원 "
        "(네고 조금 가능). 직거래는 역삼역 3번 출구 앞 19:30 이후, 주말은 오후 2시~6시 가능해요. "
    )
    listing = (listing * 8)[:1000]
    samples = {
        "chat, clean": "네고 가능할까요? 내일 오후 7시 30분 역삼역 어때요 ㅎㅎ",
        "chat, fraud": "카톡 아이디 abc123 으로 연락주세요 공일공 일이삼사 오육칠팔",
        "listing, clean": listing,
        "listing, 4 signals": listing[:900]
        + " 선입금 주시면 택배 보내드려요 국민 123456-78-901234 문의는 bit.ly/x1 로",
    }

    def per_call(fn: Callable[[], object]) -> float:
        runs, total = timeit.Timer(fn).autorange()
        best = min(timeit.Timer(fn).repeat(repeat=5, number=runs)) / runs
        return min(best, total / runs)

    print("scan() per message; baseline: unicodedata.normalize('NFKC', text) of the same text")
    for name, sample in samples.items():
        took = per_call(partial(scan, sample))
        floor = per_call(partial(unicodedata.normalize, "NFKC", sample))
        print(
            f"{name:>20}: {len(sample):5,} chars {took * 1e6:8.1f} µs "
            f"({took / floor:5.1f}× the NFKC baseline of {floor * 1e6:.1f} µs)"
        )
