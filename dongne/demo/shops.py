"""Shops for the demo: after the simulated days, a few residents open a
business profile (비즈프로필) where they live, verify it by standing there,
set hours and a price list, post news; neighbours follow them and write
reviews, and owners answer some. All through the services a person uses, with a
random generator of its own so the simulation's planted effects are untouched."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select

from dongne.accounts.models import User, UserNeighbourhood
from dongne.business.reviews.schemas import ReplyIn, ReviewIn
from dongne.business.reviews.service import reply_to_review, write_review
from dongne.business.schemas import BusinessIn, HoursIn, PostIn, PriceItemIn, RangeIn
from dongne.business.service import (
    access_business_by_id,
    create_business,
    create_post,
    set_following,
    set_hours,
    verify_business,
)
from dongne.context import Ctx, Services
from dongne.db import simulated_clock
from dongne.demo.simulation import as_person
from dongne.geo.models import Neighbourhood


@dataclass(frozen=True)
class Shop:
    category: str
    name: str
    description: str
    hours: tuple[str, str]  # every day but Sunday
    prices: tuple[tuple[str, int], ...]
    posts: tuple[tuple[str, str], ...]


SHOPS = (
    Shop(
        "cafe",
        "골목커피",
        "직접 볶은 원두로 내리는 작은 동네 카페예요. 텀블러를 가져오시면 500원 빼 드려요.",
        ("08:00", "21:00"),
        (("아메리카노", 3500), ("카페라테", 4000), ("오늘의 핸드드립", 5000)),
        (
            ("이번 주 원두는 에티오피아 예가체프예요", "꽃향이 나는 가벼운 원두예요."),
            ("겨울 한정 유자차 시작했어요", "따뜻하게 드시고 가세요."),
        ),
    ),
    Shop(
        "restaurant",
        "엄마손 김밥",
        "매일 아침 새로 만드는 김밥과 떡볶이. 포장 주문은 전화 주세요.",
        ("07:00", "20:00"),
        (("야채김밥", 3000), ("참치김밥", 4000), ("떡볶이", 4500)),
        (("다음 주 월요일은 쉬어요", "재료 들여오는 날이라 하루 문을 닫아요."),),
    ),
    Shop(
        "repair",
        "뚝딱 수선집",
        "바지 기장, 지퍼 교체, 가방 수선까지. 맡기시면 사흘 안에 찾아가실 수 있어요.",
        ("10:00", "19:00"),
        (("바지 기장 줄이기", 8000), ("지퍼 교체", 12000)),
        (("패딩 수선 받아요", "겨울옷 지퍼와 단추 미리 손보세요."),),
    ),
    Shop(
        "beauty",
        "단정 헤어",
        "예약제로 운영하는 1인 미용실이에요. 커트와 펌 모두 상담 후 진행해요.",
        ("11:00", "20:00"),
        (("남성 커트", 15000), ("여성 커트", 20000), ("매직 스트레이트", 90000)),
        (("12월 예약 열렸어요", "주말은 빨리 차니 미리 문의해 주세요."),),
    ),
    Shop(
        "pets",
        "멍냥 용품점",
        "사료, 간식, 장난감. 소분 사료도 팔아요. 산책길에 들러 주세요.",
        ("10:00", "21:00"),
        (("소분 사료 1kg", 9000), ("수제 간식", 6000)),
        (("고양이 모래 묶음 할인", "이번 주까지 세 개 사시면 한 개 더 드려요."),),
    ),
)

REVIEWS = (
    "친절하게 설명해 주셔서 좋았어요. 또 갈게요!",
    "가격도 괜찮고 생각보다 빨리 끝났어요. 추천해요.",
    "동네에 이런 곳이 있어서 다행이에요. 단골 할게요.",
    "사장님이 꼼꼼하세요. 다음에도 여기로 올 거예요.",
    "조금 기다렸지만 결과가 마음에 들어요.",
)
REPLIES = (
    "찾아 주셔서 감사해요. 다음에도 반갑게 맞을게요!",
    "좋게 봐 주셔서 힘이 나요. 감사합니다.",
)


@dataclass
class ShopStats:
    shops: int = 0
    posts: int = 0
    follows: int = 0
    reviews: int = 0


class Shops:
    """Opens the demo's shops at its own time: the last simulated evening, a few
    minutes per action, so a seed gives the same rows and events whenever it runs."""

    def __init__(self, svc: Services, seed: int, end: datetime) -> None:
        self.svc = svc
        self.rng = random.Random(f"shops-{seed}")
        self.now = end - timedelta(hours=6)
        self.stats = ShopStats()

    async def run(self) -> ShopStats:
        with simulated_clock(lambda: self.now):
            async with self.svc.db.sessions() as db:
                rows = (
                    await db.execute(
                        select(User.id, Neighbourhood.latitude, Neighbourhood.longitude)
                        .join(UserNeighbourhood, UserNeighbourhood.user_id == User.id)
                        .join(Neighbourhood, Neighbourhood.id == UserNeighbourhood.neighbourhood_id)
                        .where(
                            User.email.like("demo%@dongne.example"),
                            UserNeighbourhood.is_active.is_(True),
                            UserNeighbourhood.verified_at.is_not(None),
                        )
                        .order_by(User.id)
                    )
                ).all()
            people = [r[0] for r in rows]
            owners = self.rng.sample(rows, min(len(SHOPS), len(rows)))
            for shop, (owner, lat, lon) in zip(SHOPS, owners, strict=False):
                business_id = await self.act(owner, partial(_open, shop=shop, lat=lat, lon=lon))
                if business_id is not None:
                    self.stats.shops += 1
                    await self.liven(business_id, shop, owner, people)
        return self.stats

    async def act(self, user_id: int, work: Callable[[Ctx], Awaitable[Any]]) -> Any:
        """One unit of work as a person; a rule that says no is skipped, as in the
        simulation."""
        self.now += timedelta(minutes=3)
        return await as_person(self.svc, user_id, work)

    async def liven(self, business_id: int, shop: Shop, owner: int, people: list[int]) -> None:
        """News from the owner; neighbours follow and review (those out of range are
        refused by the rules); the owner answers most reviews."""
        rng, stats = self.rng, self.stats
        for title, content in shop.posts:
            post = PostIn(title=title, content=content)
            if await self.act(owner, partial(create_post, business_id=business_id, data=post)):
                stats.posts += 1
        others = [p for p in people if p != owner]
        for fan in rng.sample(others, min(len(others), rng.randint(2, 6))):
            if await self.act(fan, partial(_follow, business_id=business_id)):
                stats.follows += 1
        for author in rng.sample(others, min(len(others), rng.randint(1, 3))):
            review = ReviewIn(content=rng.choice(REVIEWS))
            written = await self.act(
                author, partial(write_review, business_id=business_id, data=review)
            )
            if written is None:
                continue
            stats.reviews += 1
            if rng.random() < 0.6:
                answer = partial(
                    reply_to_review,
                    business_id=business_id,
                    review_id=written[0].id,
                    data=ReplyIn(content=rng.choice(REPLIES)),
                )
                await self.act(owner, answer)


async def open_shops(svc: Services, seed: int, end: datetime) -> ShopStats:
    """``end``: the simulation's end; the shops open in its last evening."""
    return await Shops(svc, seed, end).run()


async def _open(ctx: Ctx, *, shop: Shop, lat: float, lon: float) -> int:
    """The owner opens the profile, verifies it standing there (the neighbourhood's
    centre) and sets the hours."""
    data = BusinessIn(
        name=shop.name,
        category=shop.category,
        description=shop.description,
        price_list=[PriceItemIn(name=n, price=p) for n, p in shop.prices],
    )
    business = await create_business(ctx, data)
    await verify_business(ctx, business.id, lat, lon)
    opens, closes = shop.hours
    ranges = [RangeIn(weekday=d, opens=opens, closes=closes) for d in range(6)]
    await set_hours(ctx, business.id, HoursIn(ranges=ranges))
    return business.id


async def _follow(ctx: Ctx, business_id: int) -> bool:
    return await set_following(ctx, await access_business_by_id(ctx, business_id), True)
