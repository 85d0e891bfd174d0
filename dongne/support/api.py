"""JSON endpoints for the help centre (고객센터) (/api/v1/help)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import Id
from dongne.listings.text import MAX_QUERY_LENGTH
from dongne.support import queries, service
from dongne.support.models import FAQ_CATEGORIES
from dongne.support.schemas import ArticleCard, ArticleIn, ArticleOut
from dongne.web import CtxDep

router = APIRouter(prefix="/api/v1/help", tags=["help centre"])


@router.get("/categories")
async def categories() -> list[dict[str, str]]:
    return [{"slug": slug, "name": gettext(name)} for slug, name in FAQ_CATEGORIES.items()]


@router.get("/articles")
async def articles(
    ctx: CtxDep,
    q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH)] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
) -> list[ArticleCard]:
    """FAQ articles: by category, or searched with ``q`` (the same Korean search
    as listings). Operators also see drafts."""
    if category is not None and category not in FAQ_CATEGORIES:
        raise InvalidInput(N_("분류를 선택해 주세요."), field="category")
    if q is not None and q.strip():
        return await service.search(ctx, q)
    drafts = ctx.user is not None and ctx.user.is_operator
    return await queries.list_articles(ctx.db, category=category, include_drafts=drafts)


@router.get("/articles/{article_id}")
async def article(article_id: Id, ctx: CtxDep) -> ArticleOut:
    found = await service.access_article_by_id(ctx, article_id)
    await service.record_view(ctx, found)
    await ctx.db.refresh(found)
    return queries.article_out(found)


@router.post("/articles", status_code=status.HTTP_201_CREATED)
async def create(data: ArticleIn, ctx: CtxDep) -> ArticleOut:
    """Operators only."""
    return queries.article_out(await service.create_article(ctx, data))


@router.put("/articles/{article_id}")
async def edit(article_id: Id, data: ArticleIn, ctx: CtxDep) -> ArticleOut:
    """Operators only."""
    return queries.article_out(await service.update_article(ctx, article_id, data))
