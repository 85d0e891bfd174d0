"""The scan over a text, and masking account numbers for the receiver."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from dongne.trust.fraud.links import (
    _EMAIL,
    _IP,
    _MESSENGER_HOSTS,
    _TRAILING,
    _URL,
    _domains,
    _host,
    _is_own,
)
from dongne.trust.fraud.numbers import _accounts, _phones
from dongne.trust.fraud.phrases import _phrases
from dongne.trust.fraud.signals import Finding, Scan, Signal
from dongne.trust.fraud.text import _lower, _matches, _normalise

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
