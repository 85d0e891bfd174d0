"""Reads: a shop's reviews as a viewer sees them (newest first, keyset pages,
without the people blocked either way), their count, and who among the
authors asked the shop something (문의한 고객)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.blocks.queries import hidden_sellers
from dongne.business.models import BusinessMember
from dongne.business.reviews.models import BusinessReview
from dongne.business.reviews.schemas import AuthorOut, ReplyOut, ReviewOut
from dongne.context import Ctx
from dongne.inbox.models import CUSTOMER, Inbox, InboxConversation, InboxMessage
from dongne.kit.cursors import encode_cursor, time_and_id
from dongne.kit.i18n import N_, gettext

PAGE_SIZE = 20
LATEST = 3  # shown on the profile
GONE = N_("탈퇴한 이웃")


async def hidden_authors(ctx: Ctx) -> tuple[int, ...]:
    """Whose reviews the caller does not see: people they blocked or who blocked them."""
    return await hidden_sellers(ctx.db, ctx.user.id) if ctx.user is not None else ()


def _visible(business_id: int, hidden: Sequence[int]) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [BusinessReview.business_id == business_id]
    if hidden:
        where.append(BusinessReview.author_id.not_in(hidden))
    return where


async def review_count(db: AsyncSession, business_id: int, hidden: Sequence[int] = ()) -> int:
    count = await db.scalar(
        select(func.count()).select_from(BusinessReview).where(*_visible(business_id, hidden))
    )
    return int(count or 0)


async def inquired_authors(db: AsyncSession, business_id: int, author_ids: list[int]) -> set[int]:
    """Of ``author_ids``, those who wrote to the shop through 문의하기 (its inbox)."""
    if not author_ids:
        return set()
    wrote = exists().where(
        InboxMessage.conversation_id == InboxConversation.id,
        InboxMessage.kind == CUSTOMER,
    )
    rows = await db.scalars(
        select(InboxConversation.customer_id)
        .join(Inbox, Inbox.id == InboxConversation.inbox_id)
        .where(
            Inbox.business_id == business_id,
            InboxConversation.customer_id.in_(author_ids),
            wrote,
        )
        .distinct()
    )
    return set(rows.all())


async def review_outs(
    db: AsyncSession, reviews: Sequence[BusinessReview], viewer_id: int | None
) -> list[ReviewOut]:
    """The reviews with their authors' names, the reply's author and role, and
    the 문의한 고객 mark, in a fixed number of queries."""
    if not reviews:
        return []
    business_id = reviews[0].business_id
    people = {r.author_id for r in reviews} | {
        r.reply_author_id for r in reviews if r.reply_author_id is not None
    }
    names = dict(
        (await db.execute(select(User.id, User.nickname).where(User.id.in_(people)))).all()
    )
    roles = dict(
        (
            await db.execute(
                select(BusinessMember.user_id, BusinessMember.role).where(
                    BusinessMember.business_id == business_id,
                    BusinessMember.user_id.in_(people),
                )
            )
        ).all()
    )
    inquired = await inquired_authors(db, business_id, sorted({r.author_id for r in reviews}))
    gone = gettext(GONE)
    out = []
    for r in reviews:
        reply = None
        if r.reply_body is not None and r.replied_at is not None:
            replier = r.reply_author_id
            reply = ReplyOut(
                content=r.reply_body,
                author_nickname=(names.get(replier) if replier else None) or gone,
                author_role=roles.get(replier) if replier else None,
                replied_at=r.replied_at,
                updated_at=r.reply_updated_at or r.replied_at,
            )
        out.append(
            ReviewOut(
                id=r.id,
                business_id=r.business_id,
                author=AuthorOut(id=r.author_id, nickname=names.get(r.author_id) or gone),
                content=r.body,
                created_at=r.created_at,
                updated_at=r.updated_at,
                edited=r.updated_at > r.created_at,
                inquired=r.author_id in inquired,
                mine=r.author_id == viewer_id,
                reply=reply,
            )
        )
    return out


async def review_page(
    db: AsyncSession,
    business_id: int,
    viewer_id: int | None,
    hidden: Sequence[int] = (),
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[ReviewOut], str | None]:
    """A shop's reviews, newest first, ``limit`` at a time (keyset on created_at, id)."""
    stmt = select(BusinessReview).where(*_visible(business_id, hidden))
    after = time_and_id(cursor)
    if after is not None:
        stmt = stmt.where(tuple_(BusinessReview.created_at, BusinessReview.id) < tuple_(*after))
    stmt = stmt.order_by(BusinessReview.created_at.desc(), BusinessReview.id.desc()).limit(
        limit + 1
    )
    rows = list((await db.scalars(stmt)).all())
    page = rows[:limit]
    more = encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
    return await review_outs(db, page, viewer_id), more


async def my_review(db: AsyncSession, business_id: int, user_id: int) -> ReviewOut | None:
    review = await db.scalar(
        select(BusinessReview).where(
            BusinessReview.business_id == business_id, BusinessReview.author_id == user_id
        )
    )
    return (await review_outs(db, [review], user_id))[0] if review is not None else None


async def review_out(db: AsyncSession, review: BusinessReview, viewer_id: int | None) -> ReviewOut:
    await db.refresh(review)
    return (await review_outs(db, [review], viewer_id))[0]
