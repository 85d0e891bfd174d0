"""Outgoing mail: files by default, SMTP over a real socket when configured."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from dongne.kit.mail import DirectoryMailer, SmtpMailer, compose, make_mailer
from tests.conftest import Mailbox


async def test_without_smtp_each_message_is_a_readable_file(tmp_path: Path) -> None:
    mailer = make_mailer(None, tmp_path)
    assert isinstance(mailer, DirectoryMailer)
    await mailer.send(compose("a@b.example", "c@d.example", "[동네] 직원 초대", "초대했어요."))
    files = list((tmp_path / "mail").iterdir())
    assert [f.suffix for f in files] == [".eml"]
    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert str(message["Subject"]) == "[동네] 직원 초대"
    assert message.get_content().strip() == "초대했어요."  # type: ignore[attr-defined]


async def test_smtp_delivers_to_a_real_server(mailbox: Mailbox) -> None:
    mailer = make_mailer(f"smtp://127.0.0.1:{mailbox.port}", Path("unused"))
    assert isinstance(mailer, SmtpMailer)
    await mailer.send(compose("a@b.example", "smtp-test@d.example", "[동네] 안녕", "본문"))
    received = mailbox.to("smtp-test@d.example")
    assert [str(m["Subject"]) for m in received] == ["[동네] 안녕"]
    assert received[0].get_content().strip() == "본문"


async def test_a_refused_connection_raises_so_the_job_is_tried_again() -> None:
    from tests.conftest import free_port

    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    with pytest.raises(OSError):
        await mailer.send(compose("a@b.example", "c@d.example", "s", "b"))


@pytest.mark.parametrize("url", ["http://host", "smtp://", "mailto:x@y"])
def test_a_smtp_url_that_is_not_one_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="DONGNE_SMTP_URL"):
        SmtpMailer(url)


def test_credentials_and_tls_come_from_the_url() -> None:
    mailer = SmtpMailer("smtps://me%40x.example:p%2Fw@mail.example")
    assert (mailer.hostname, mailer.port, mailer.use_tls) == ("mail.example", 465, True)
    assert (mailer.username, mailer.password) == ("me@x.example", "p/w")
    plain = SmtpMailer("smtp://relay.example:587")
    assert (plain.port, plain.use_tls, plain.username) == (587, False, None)
