"""The rule that a suspended or banned user may not act, and that a listing an
operator hid stays hidden: reads of the sanctions, consulted by listings, chat
and reviews before they write (the writes are in moderation.service)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_
from dongne.kit.templating import SEOUL
from dongne.trust.moderation.models import BAN_KIND
from dongne.trust.moderation.queries import active_restriction, taken_down

__all__ = [
    "AccountBanned",
    "AccountSuspended",
    "TakenDown",
    "ensure_can_act",
    "ensure_not_taken_down",
]


class AccountSuspended(DomainError):
    status = 403
    code = "account_suspended"
    message = N_("%(until)s까지 이용이 정지된 계정이에요. 글쓰기, 채팅, 후기를 남길 수 없어요.")


class AccountBanned(DomainError):
    status = 403
    code = "account_banned"
    message = N_("운영정책 위반으로 이용이 영구 정지된 계정이에요.")


class TakenDown(DomainError):
    status = 403
    code = "taken_down"
    message = N_("운영정책에 따라 숨겨진 글이에요. 다시 게시할 수 없어요.")


async def ensure_can_act(db: AsyncSession, user: User) -> None:
    """Raise unless ``user`` may post, chat or review (not suspended, not banned)."""
    sanction = await active_restriction(db, user.id)
    if sanction is None:
        return
    if sanction.kind == BAN_KIND or sanction.ends_at is None:
        raise AccountBanned()
    until = sanction.ends_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
    raise AccountSuspended(until=until)


async def ensure_not_taken_down(db: AsyncSession, listing_id: int) -> None:
    """A listing an operator hid stays hidden: its seller cannot show it again."""
    if await taken_down(db, listing_id):
        raise TakenDown()
