"""One pure-ASGI middleware for what every HTTP request needs: its language,
a CSRF cookie, a body-size cap, security headers and an access log line that
never contains a query string (coordinates travel in query strings)."""

from __future__ import annotations

import logging
import time
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dongne.kit.errors import PayloadTooLarge, problem
from dongne.kit.i18n import gettext, negotiate, set_locale
from dongne.kit.security import CsrfTokens, session_binding

access_log = logging.getLogger("dongne.access")

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class _TooLarge(Exception):
    pass


class WebMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        csrf: CsrfTokens,
        max_body_bytes: int,
        secure_cookies: bool,
        csrf_cookie: str,
        session_cookie: str = "dongne_session",
    ) -> None:
        self.app = app
        self.csrf = csrf
        self.max_body = max_body_bytes
        self.secure = secure_cookies  # production: HTTPS only
        self.csrf_cookie = csrf_cookie
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cookies = _cookies(headers.get("cookie", ""))
        locale = negotiate(cookies.get("lang"), headers.get("accept-language"))
        set_locale(locale)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["locale"] = locale
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        session = cookies.get(self.session_cookie)
        csrf = cookies.get(self.csrf_cookie)
        new_csrf = None
        if not self.csrf.is_valid(csrf, session_binding(session)):
            csrf = new_csrf = self.csrf.new(session_binding(session))
        state["csrf"] = csrf
        # Whoever may be signed in (a session cookie or a bearer token) gets answers
        # no cache keeps: Back after logging out must not show the chat list.
        private = bool(session or headers.get("authorization")) and not scope["path"].startswith(
            ("/static/", "/media/")
        )

        started = time.perf_counter()
        status_holder = {"status": 0}
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return

        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge()
            return message

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                h = MutableHeaders(scope=message)
                h.setdefault("x-content-type-options", "nosniff")
                h.setdefault("referrer-policy", "same-origin")
                h.setdefault("x-frame-options", "DENY")
                h.setdefault("permissions-policy", "geolocation=(self), camera=(), microphone=()")
                h.setdefault("content-security-policy", CSP)
                h.setdefault("content-language", locale)
                if self.secure:
                    h.setdefault("strict-transport-security", "max-age=63072000; includeSubDomains")
                started_session = self._session_set_by(h)
                if private or started_session is not None:
                    h.setdefault("cache-control", "no-store")
                token = new_csrf
                if started_session is not None:  # signed in or out: a token for the new session
                    token = self.csrf.new(session_binding(started_session))
                if token:
                    secure = "; Secure" if self.secure else ""
                    h.append(
                        "set-cookie",
                        f"{self.csrf_cookie}={token}; Path=/; SameSite=Lax; Max-Age=31536000"
                        f"{secure}",
                    )
            await send(message)

        try:
            await self.app(scope, capped_receive, send_wrapper)
        except _TooLarge:
            if status_holder["status"] == 0:
                await self._too_large(scope, receive, send)
        finally:
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],  # never the query string
                status_holder["status"],
                (time.perf_counter() - started) * 1000,
            )

    def _session_set_by(self, headers: MutableHeaders) -> str | None:
        """The session cookie's new value if the response sets it ("" when it ends it)."""
        for value in headers.getlist("set-cookie"):
            name, _sep, rest = value.partition("=")
            if name.strip() == self.session_cookie:
                token = rest.split(";", 1)[0].strip().strip('"')
                ended = "max-age=0" in rest.lower().replace(" ", "") or not token
                return "" if ended else token
        return None

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, PayloadTooLarge.code, gettext(PayloadTooLarge.message))
        await response(scope, receive, send)


def _cookies(raw: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed Cookie header is the client's problem, not a 500
        return {}
    return {k: m.value for k, m in jar.items()}
