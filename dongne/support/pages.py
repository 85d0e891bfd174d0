"""HTML pages for the help centre (고객센터): the list by category with Korean
search, an article, and the operators' writing and editing forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dongne.kit.errors import DomainError, InvalidInput, validation_errors
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import Id
from dongne.kit.templating import environment
from dongne.listings.text import MAX_QUERY_LENGTH
from dongne.notifications.pages import render_page
from dongne.support import queries, service
from dongne.support.models import FAQ_CATEGORIES
from dongne.support.schemas import ArticleIn
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)


def faq_category(slug: str) -> str:
    return gettext(FAQ_CATEGORIES[slug]) if slug in FAQ_CATEGORIES else slug


environment().globals.update(faq_category=faq_category, faq_categories=FAQ_CATEGORIES)


@router.get("/help")
async def help_home(
    request: Request,
    ctx: CtxDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH)] = "",
    category: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    text = " ".join(q.split())
    if category is not None and category not in FAQ_CATEGORIES:
        raise InvalidInput(N_("분류를 선택해 주세요."), field="category")
    is_operator = ctx.user is not None and ctx.user.is_operator
    if text:
        articles = await service.search(ctx, text)
    else:
        articles = await queries.list_articles(
            ctx.db, category=category, include_drafts=is_operator
        )
    context = {"q": text, "category": category, "articles": articles, "is_operator": is_operator}
    return await render_page(request, ctx, "support/help.html", context)


@router.get("/help/articles/new")
async def new_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_operator()
    context = {"article": None, "values": {"is_published": "1"}, "errors": {}}
    return await render_page(request, ctx, "support/form.html", context)


async def _submit(
    request: Request, ctx: Ctx, article_id: Id | None
) -> tuple[int | None, dict[str, str], dict[str, str]]:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    data = {
        "category": values.get("category", ""),
        "title": values.get("title", ""),
        "content": values.get("content", ""),
        "is_published": values.get("is_published") == "1",
    }
    try:
        parsed = ArticleIn.model_validate(data)
        if article_id is None:
            article = await service.create_article(ctx, parsed)
        else:
            article = await service.update_article(ctx, article_id, parsed)
        return article.id, {}, values
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in validation_errors(exc.errors()):
            errors.setdefault(err["field"] or "_", err["message"])
        return None, errors, values
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise
        await ctx.db.rollback()
        return None, {exc.field or "_": exc.text()}, values


@router.post("/help/articles/new")
async def create(request: Request, ctx: CtxDep) -> Response:
    ctx.require_operator()
    done, errors, values = await _submit(request, ctx, None)
    if done is not None:
        return RedirectResponse(f"/help/articles/{done}", status_code=303)
    context: dict[str, Any] = {"article": None, "values": values, "errors": errors}
    return await render_page(request, ctx, "support/form.html", context, status=422)


@router.get("/help/articles/{article_id}")
async def article(request: Request, ctx: CtxDep, article_id: Id) -> Response:
    found = await service.access_article_by_id(ctx, article_id)
    await service.record_view(ctx, found)
    await ctx.db.refresh(found)
    context = {
        "article": queries.article_out(found),
        "is_operator": ctx.user is not None and ctx.user.is_operator,
    }
    return await render_page(request, ctx, "support/article.html", context)


@router.get("/help/articles/{article_id}/edit")
async def edit_page(request: Request, ctx: CtxDep, article_id: Id) -> HTMLResponse:
    ctx.require_operator()
    found = await service.access_article_by_id(ctx, article_id)
    values = {
        "category": found.category,
        "title": found.title,
        "content": found.content,
        "is_published": "1" if found.is_published else "",
    }
    context = {"article": queries.card(found), "values": values, "errors": {}}
    return await render_page(request, ctx, "support/form.html", context)


@router.post("/help/articles/{article_id}/edit")
async def edit(request: Request, ctx: CtxDep, article_id: Id) -> Response:
    ctx.require_operator()
    found = await service.access_article_by_id(ctx, article_id)
    card = queries.card(found)
    done, errors, values = await _submit(request, ctx, article_id)
    if done is not None:
        return RedirectResponse(f"/help/articles/{done}", status_code=303)
    context: dict[str, Any] = {"article": card, "values": values, "errors": errors}
    return await render_page(request, ctx, "support/form.html", context, status=422)
