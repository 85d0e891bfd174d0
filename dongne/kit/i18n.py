"""Korean first, English second: gettext catalogs maintained with Babel.

Message ids are the Korean text itself, so Korean needs no catalog; the English
catalog lives in ``dongne/locale/en/LC_MESSAGES/messages.po`` and is compiled
in memory at start-up (no build step, no stale ``.mo`` files).
Placeholders use the ``%(name)s`` style, as Jinja's new-style gettext does.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES: tuple[str, ...] = ("ko", "en")
DEFAULT_LOCALE = "ko"
LOCALE_NAMES = {"ko": "한국어", "en": "English"}

_current: ContextVar[str] = ContextVar("dongne_locale", default=DEFAULT_LOCALE)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@lru_cache
def translations(locale: str) -> _gettext.NullTranslations:
    if locale == DEFAULT_LOCALE or locale not in LOCALES:
        return _gettext.NullTranslations()
    po = resources.files("dongne") / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def gettext(message: str, **params: object) -> str:
    text = translations(_current.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


_ = gettext


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The page's language: the switch's cookie, else Accept-Language, else Korean."""
    if cookie in LOCALES:
        return cookie
    if accept_language:
        weighted: list[tuple[float, int, str]] = []
        for position, part in enumerate(accept_language.split(",")):
            lang, _sep, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            primary = lang.strip().lower().split("-")[0]
            if primary in LOCALES and quality > 0:
                weighted.append((-quality, position, primary))
        if weighted:
            return min(weighted)[2]
    return DEFAULT_LOCALE
