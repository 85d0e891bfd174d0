"""Outgoing mail: SMTP when ``DONGNE_SMTP_URL`` is set, otherwise files.

The embedded default has no mail server, so each message is written as an
``.eml`` file under ``DATA_DIR/mail/`` (and its path logged): a developer opens
it, and nothing pretends to have been delivered. With ``DONGNE_SMTP_URL``
(``smtp://user:password@host:587`` for STARTTLS, ``smtps://…:465`` for TLS from
the start, ``smtp://host:25`` for a local relay) messages go through aiosmtplib.

Mail is sent by persistent scheduled jobs (``dongne.scheduler``), never
inside a request: a failed delivery raises, the job stays undone and is tried
again.
"""

from __future__ import annotations

import logging
import secrets
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from dongne.kit.clock import utcnow

log = logging.getLogger(__name__)


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(body)
    return message


class DirectoryMailer:
    """Writes each message to ``directory`` as an RFC 5322 file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
        path = self.directory / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.rename(path)  # a reader never sees half a message
        log.info("mail to %s written to %s (no DONGNE_SMTP_URL set)", message["To"], path)


class SmtpMailer:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("DONGNE_SMTP_URL must look like smtp://user:password@host:587")
        self.hostname = parts.hostname
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,  # otherwise STARTTLS whenever the server offers it
            timeout=self.timeout,
        )


def make_mailer(smtp_url: str | None, data_dir: Path) -> Mailer:
    if smtp_url:
        return SmtpMailer(smtp_url)
    return DirectoryMailer(data_dir / "mail")
