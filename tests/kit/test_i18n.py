"""The English catalog covers every Korean string, with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from dongne.kit import i18n

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_string_in_code_and_templates_has_an_english_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    po = ROOT / "dongne/locale/en/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(fh) if m.id}
    missing = sorted(w for w in wanted if w not in catalog or not catalog[w].string)
    assert missing == [], "run `make messages` and translate: " + "; ".join(missing)
    for msgid, message in catalog.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in strings:
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(msgid)), (
                msgid
            )


def test_language_negotiation_prefers_the_switch_then_the_browser() -> None:
    assert i18n.negotiate(None, None) == "ko"
    assert i18n.negotiate(None, "en-US,en;q=0.9,ko;q=0.8") == "en"
    assert i18n.negotiate(None, "fr-FR,ko;q=0.5,en;q=0.4") == "ko"
    assert i18n.negotiate(None, "en;q=0,ko;q=0.1") == "ko"
    assert i18n.negotiate("ko", "en") == "ko"
    assert i18n.negotiate("xx", "en;q=garbage") == "ko"


def test_translation_follows_the_current_locale() -> None:
    i18n.set_locale("en")
    try:
        assert i18n.gettext("%(min_length)s자 이상 입력해 주세요.", min_length=2) == (
            "Enter at least 2 characters."
        )
    finally:
        i18n.set_locale("ko")
    assert (
        i18n.gettext("%(min_length)s자 이상 입력해 주세요.", min_length=2)
        == "2자 이상 입력해 주세요."
    )
