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
from dongne.kit.security import CsrfTokens

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
    ) -> None:
        self.app = app
        self.csrf = csrf
        self.max_body = max_body_bytes
        self.secure = secure_cookies
        self.csrf_cookie = csrf_cookie

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

        csrf = cookies.get(self.csrf_cookie)
        new_csrf = None
        if not self.csrf.is_valid(csrf):
            csrf = new_csrf = self.csrf.new()
        state["csrf"] = csrf

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
                if new_csrf:
                    secure = "; Secure" if self.secure else ""
                    h.append(
                        "set-cookie",
                        f"{self.csrf_cookie}={new_csrf}; Path=/; SameSite=Lax; Max-Age=31536000"
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
