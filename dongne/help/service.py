"""Every write about the help centre: operators write FAQ articles; reading one
counts a view. Services flush; the request commits."""

from __future__ import annotations

from sqlalchemy import delete, insert, update

from dongne.context import Ctx
from dongne.db import utcnow
from dongne.help import queries
from dongne.help.models import FAQ_CATEGORIES, FaqArticle, FaqTerm
from dongne.help.schemas import ArticleCard, ArticleIn
from dongne.kit.errors import NotFound
from dongne.kit.i18n import N_
from dongne.listings.text import document_terms, query_plan

NOT_FOUND = N_("도움말을 찾을 수 없어요.")


async def access_article_by_id(ctx: Ctx, article_id: int) -> FaqArticle:
    """A published article, or any article for an operator (drafts included)."""
    article = await ctx.db.get(FaqArticle, article_id)
    is_operator = ctx.user is not None and ctx.user.is_operator
    if article is None or (not article.is_published and not is_operator):
        raise NotFound(NOT_FOUND)
    return article


async def _index(ctx: Ctx, article: FaqArticle) -> int:
    """The same terms as a listing's (listings/text.py): title, body, and the
    category's Korean name as an extra field."""
    await ctx.db.execute(delete(FaqTerm).where(FaqTerm.article_id == article.id))
    terms = document_terms(
        article.title, article.content, extra=(FAQ_CATEGORIES[article.category],)
    )
    if terms:
        await ctx.db.execute(
            insert(FaqTerm),
            [{"term": t, "article_id": article.id, "weight": w} for t, w in terms.items()],
        )
    return len(terms)


async def create_article(ctx: Ctx, data: ArticleIn) -> FaqArticle:
    user = ctx.require_operator()
    now = utcnow()
    article = FaqArticle(
        category=data.category,
        title=data.title,
        content=data.content,
        is_published=data.is_published,
        author_id=user.id,
        created_at=now,
        updated_at=now,
    )
    ctx.db.add(article)
    await ctx.db.flush()
    terms = await _index(ctx, article)
    ctx.record(
        "faq_article_created",
        article_id=article.id,
        category=data.category,
        published=data.is_published,
        terms=terms,
    )
    return article


async def update_article(ctx: Ctx, article_id: int, data: ArticleIn) -> FaqArticle:
    ctx.require_operator()
    article = await access_article_by_id(ctx, article_id)
    fields = ("category", "title", "content", "is_published")
    changed = [f for f in fields if getattr(article, f) != getattr(data, f)]
    for f in fields:
        setattr(article, f, getattr(data, f))
    article.updated_at = utcnow()
    await ctx.db.flush()
    await _index(ctx, article)
    ctx.record("faq_article_edited", article_id=article.id, fields=changed)
    return article


async def record_view(ctx: Ctx, article: FaqArticle) -> None:
    ctx.record("faq_article_viewed", article_id=article.id, category=article.category)
    await ctx.db.execute(
        update(FaqArticle)
        .where(FaqArticle.id == article.id)
        .values(view_count=FaqArticle.view_count + 1)
    )


async def search(ctx: Ctx, text: str) -> list[ArticleCard]:
    """Korean search over the articles a viewer may read; searches that find
    nothing are recorded too (what the help centre is missing)."""
    await ctx.limit(ctx.svc.settings.search_limit_per_ip, "faq-search", ctx.ip)
    plan = query_plan(text)
    include_drafts = ctx.user is not None and ctx.user.is_operator
    found = await queries.search_articles(ctx.db, plan, include_drafts=include_drafts)
    ctx.record("faq_searched", terms=len(plan.terms), result_count=len(found))
    return found
