"""Reads over the help centre: the article list and Korean search.

Search is the listings' search applied to articles: ``listings/text.py`` turns
the query into terms (syllable bigrams, 초성 pairs, Latin/digit units), an article
matches when it holds every term, and relevance is the sum of the terms'
weights (title 3, category 2, content 1), then the newest first.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.help.models import FaqArticle, FaqTerm
from dongne.help.schemas import ArticleCard, ArticleOut
from dongne.listings.text import QueryPlan

MAX_RESULTS = 50


def card(article: FaqArticle) -> ArticleCard:
    return ArticleCard(
        id=article.id,
        category=article.category,
        title=article.title,
        is_published=article.is_published,
        updated_at=article.updated_at,
    )


def article_out(article: FaqArticle) -> ArticleOut:
    return ArticleOut(
        **card(article).model_dump(), content=article.content, view_count=article.view_count
    )


async def list_articles(
    db: AsyncSession, *, category: str | None = None, include_drafts: bool = False
) -> list[ArticleCard]:
    stmt = select(FaqArticle)
    if category is not None:
        stmt = stmt.where(FaqArticle.category == category)
    if not include_drafts:
        stmt = stmt.where(FaqArticle.is_published.is_(True))
    stmt = stmt.order_by(FaqArticle.view_count.desc(), FaqArticle.id.desc()).limit(200)
    return [card(a) for a in (await db.scalars(stmt)).all()]


async def search_articles(
    db: AsyncSession, plan: QueryPlan, *, include_drafts: bool = False
) -> list[ArticleCard]:
    if not plan.terms:
        return []
    score = func.sum(FaqTerm.weight).label("score")
    matched = (
        select(FaqTerm.article_id.label("article_id"), score)
        .where(FaqTerm.term.in_(plan.terms))
        .group_by(FaqTerm.article_id)
        .having(func.count() >= len(plan.terms))
        .subquery()
    )
    stmt = select(FaqArticle).join(matched, matched.c.article_id == FaqArticle.id)
    if not include_drafts:
        stmt = stmt.where(FaqArticle.is_published.is_(True))
    stmt = stmt.order_by(matched.c.score.desc(), FaqArticle.updated_at.desc(), FaqArticle.id.desc())
    return [card(a) for a in (await db.scalars(stmt.limit(MAX_RESULTS))).all()]
