"""Domain errors and the one place that turns them into responses.

A domain error carries its HTTP status and a translatable message (a Korean
msgid). API requests get ``application/problem+json`` (RFC 9457) in the
request's language; pages get an HTML error page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from dongne.kit.i18n import N_, gettext

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = N_("요청을 처리할 수 없습니다.")

    def __init__(
        self, message: str | None = None, *, field: str | None = None, **params: object
    ) -> None:
        self.msgid = message or self.message
        self.field = field
        self.params = params
        super().__init__(self.msgid)

    def text(self) -> str:
        return gettext(self.msgid, **self.params)


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    message = N_("입력값을 확인해 주세요.")


class AuthenticationRequired(DomainError):
    status = 401
    code = "authentication_required"
    message = N_("로그인이 필요합니다.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    message = N_("이 작업을 할 권한이 없습니다.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = N_("찾을 수 없습니다.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = N_("이미 처리된 요청입니다.")


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    message = N_("요청이 너무 큽니다.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    message = N_("요청이 너무 많습니다. %(seconds)s초 후에 다시 시도해 주세요.")

    def __init__(self, retry_after: int) -> None:
        super().__init__(seconds=retry_after)
        self.retry_after = retry_after


# pydantic error types → a message a person can act on.
_VALIDATION_MESSAGES: dict[str, str] = {
    "missing": N_("필수 항목입니다."),
    "string_too_short": N_("%(min_length)s자 이상 입력해 주세요."),
    "string_too_long": N_("%(max_length)s자 이하로 입력해 주세요."),
    "string_type": N_("문자열을 입력해 주세요."),
    "int_parsing": N_("정수를 입력해 주세요."),
    "int_type": N_("정수를 입력해 주세요."),
    "int_from_float": N_("정수를 입력해 주세요."),
    "float_parsing": N_("숫자를 입력해 주세요."),
    "float_type": N_("숫자를 입력해 주세요."),
    "finite_number": N_("숫자를 입력해 주세요."),
    "bool_parsing": N_("참 또는 거짓을 입력해 주세요."),
    "greater_than_equal": N_("%(ge)s 이상이어야 합니다."),
    "greater_than": N_("%(gt)s보다 커야 합니다."),
    "less_than_equal": N_("%(le)s 이하여야 합니다."),
    "less_than": N_("%(lt)s보다 작아야 합니다."),
    "json_invalid": N_("JSON 형식이 올바르지 않습니다."),
    "json_type": N_("JSON 형식이 올바르지 않습니다."),
    "model_attributes_type": N_("요청 본문의 형식이 올바르지 않습니다."),
    "dict_type": N_("요청 본문의 형식이 올바르지 않습니다."),
    "model_type": N_("요청 본문의 형식이 올바르지 않습니다."),
    "literal_error": N_("허용되지 않는 값입니다."),
    "enum": N_("허용되지 않는 값입니다."),
    "extra_forbidden": N_("알 수 없는 항목입니다."),
    "string_pattern_mismatch": N_("형식이 올바르지 않습니다."),
}


_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def validation_errors(errors: Sequence[Any], located: bool = False) -> list[dict[str, str]]:
    """Translate pydantic errors into [{field, message}] in the current language.
    ``located``: FastAPI's errors, whose path starts with where the value was
    found (body, query, …); that is not part of the field's name."""
    out: list[dict[str, str]] = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if located and loc and loc[0] in _LOCATIONS:
            loc = loc[1:]
        kind = err.get("type", "")
        ctx = {k: v for k, v in (err.get("ctx") or {}).items() if isinstance(v, str | int | float)}
        msgid = _VALIDATION_MESSAGES.get(kind)
        if msgid is None:
            # Our own validators raise PydanticCustomError with a Korean msgid.
            msgid = str(err.get("msg", "")).removeprefix("Value error, ") or N_(
                "입력값을 확인해 주세요."
            )
        try:
            message = gettext(msgid, **ctx)
        except (KeyError, ValueError, TypeError):
            message = gettext(msgid)
        out.append({"field": ".".join(loc), "message": message})
    return out


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://dongne.example/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


async def _render_error_page(request: Request, status: int, detail: str) -> Response:
    from dongne.kit.templating import render  # templating imports errors' users

    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


_RANGE_ERRORS = frozenset({"greater_than_equal", "less_than_equal"})


def _only_path_ids_out_of_range(errors: Sequence[Any]) -> bool:
    return bool(errors) and all(
        tuple(e.get("loc", ()))[:1] == ("path",) and e.get("type") in _RANGE_ERRORS for e in errors
    )


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, AuthenticationRequired) and request.url.path.startswith("/api/"):
            headers["WWW-Authenticate"] = "Bearer"
        detail = exc.text()
        if wants_json(request):
            errors = [{"field": exc.field, "message": detail}] if exc.field else None
            return problem(exc.status, exc.code, detail, errors=errors, headers=headers)
        if isinstance(exc, AuthenticationRequired):
            from fastapi.responses import RedirectResponse

            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        response = await _render_error_page(request, exc.status, detail)
        response.headers.update(headers)
        return response

    async def request_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _only_path_ids_out_of_range(exc.errors()):
            # /listings/0 or /listings/9223372036854775808 names no listing, like
            # /listings/9223372036854775807: the same 404 (dongne.kit.ids).
            return await domain_error(request, NotFound())
        errors = validation_errors(exc.errors(), located=True)
        detail = gettext(N_("입력값을 확인해 주세요."))
        if wants_json(request):
            return problem(422, "invalid_input", detail, errors=errors)
        return await _render_error_page(
            request, 422, detail + " " + " ".join(e["message"] for e in errors)
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        messages = {
            404: N_("찾을 수 없습니다."),
            405: N_("허용되지 않는 요청 방식입니다."),
            413: N_("요청이 너무 큽니다."),
        }
        detail = gettext(messages.get(exc.status_code, N_("요청을 처리할 수 없습니다.")))
        headers = dict(exc.headers or {})  # e.g. Allow on a 405
        if wants_json(request):
            return problem(exc.status_code, f"http_{exc.status_code}", detail, headers=headers)
        response = await _render_error_page(request, exc.status_code, detail)
        response.headers.update(headers)
        return response

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = gettext(N_("일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요."))
        if wants_json(request):
            return problem(500, "internal_error", detail)
        return await _render_error_page(request, 500, detail)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, request_validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
