"""HTML pages for signing up, logging in, account settings and 내 동네 (verify by
location, choose the range)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from dongne.accounts import service
from dongne.accounts.schemas import AccountDeleteIn, LoginIn, PasswordChangeIn, SignupIn
from dongne.geo.queries import range_counts
from dongne.kit.forms import parse_form, refusal, safe_next
from dongne.kit.i18n import LOCALES
from dongne.kit.templating import render
from dongne.web import SESSION_COOKIE, CtxDep

router = APIRouter(include_in_schema=False)


def _login_response(ctx: CtxDep, token: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ctx.svc.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=ctx.svc.settings.is_production,
    )
    return response


@router.get("/signup")
async def signup_page(request: Request, ctx: CtxDep) -> Response:
    if ctx.user:
        return RedirectResponse("/", status_code=303)
    return render(request, "accounts/signup.html", {"values": {}, "errors": {}})


@router.post("/signup")
async def signup_submit(request: Request, ctx: CtxDep) -> Response:
    data, errors, values = await parse_form(request, SignupIn)
    if data is not None:
        async with refusal(ctx) as refused:
            user = await service.signup(ctx, data)
            token, _ = await service.start_session(ctx, user, "cookie")
            return _login_response(ctx, token, "/neighbourhood")
        errors = refused.errors
    values.pop("password", None)
    return render(request, "accounts/signup.html", {"values": values, "errors": errors}, status=422)


@router.get("/login")
async def login_page(request: Request, ctx: CtxDep, next: str = "/") -> Response:
    if ctx.user:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request, "accounts/login.html", {"values": {}, "errors": {}, "next": safe_next(next)}
    )


@router.post("/login")
async def login_submit(request: Request, ctx: CtxDep, next: str = "/") -> Response:
    data, errors, values = await parse_form(request, LoginIn)
    if data is not None:
        async with refusal(ctx) as refused:
            user = await service.authenticate(ctx, data)
            token, _ = await service.start_session(ctx, user, "cookie")
            return _login_response(ctx, token, safe_next(next))
        errors = refused.errors
    values.pop("password", None)
    return render(
        request,
        "accounts/login.html",
        {"values": values, "errors": errors, "next": safe_next(next)},
        status=422 if data is None else 401,
    )


@router.post("/logout")
async def logout(request: Request, ctx: CtxDep) -> Response:
    await service.end_session(ctx, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/lang")
async def switch_language(request: Request, ctx: CtxDep) -> Response:
    form = await request.form()
    lang = str(form.get("lang", ""))
    target = safe_next(str(form.get("next", "/")))
    response = RedirectResponse(target, status_code=303)
    if lang in LOCALES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
        if ctx.user:
            ctx.user.locale = lang
            ctx.record("language_changed", locale=lang)
    return response


@router.get("/settings")
async def settings_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    return render(
        request, "accounts/settings.html", {"errors": {}, "done": request.query_params.get("done")}
    )


@router.post("/settings/password")
async def settings_password(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    data, errors, _ = await parse_form(request, PasswordChangeIn)
    if data is not None:
        async with refusal(ctx) as refused:
            await service.change_password(
                ctx, data.current_password, data.new_password, request.cookies.get(SESSION_COOKIE)
            )
            return RedirectResponse("/settings?done=password", status_code=303)
        errors = refused.errors
    return render(request, "accounts/settings.html", {"errors": errors}, status=422)


@router.post("/settings/delete")
async def settings_delete(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    data, errors, _ = await parse_form(request, AccountDeleteIn)
    if data is not None:
        async with refusal(ctx) as refused:
            await service.delete_account(ctx, data.password)
            response = RedirectResponse("/?deleted=1", status_code=303)
            response.delete_cookie(SESSION_COOKIE)
            return response
        errors = refused.errors
    errors = {"delete_" + k: v for k, v in errors.items()}
    return render(request, "accounts/settings.html", {"errors": errors}, status=422)


@router.get("/neighbourhood")
async def my_neighbourhood_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    days = ctx.svc.settings.verification_days
    places = [
        {
            "id": place.id,
            "name": place.name,
            "full_name": place.full_name,
            "active": link.is_active,
            "level": link.range_level,
            "counts": await range_counts(ctx.db, place.id),
            "verified": link.is_verified(days),
            "verified_until": link.verified_until(days),
        }
        for link, place in await service.my_neighbourhoods(ctx)
    ]
    return render(request, "geo/neighbourhood.html", {"places": places})
