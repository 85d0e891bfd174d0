"""Links and e-mail addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dongne.trust.fraud.text import _each, _matches

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
