"""Demo residents: real Seoul-area neighbourhoods, verified through the same
services a person uses, each with a couple of listings. (The full simulated
neighbourhood — chats, deals and departures over many days — comes with the
insights work.)"""

from __future__ import annotations

import random

from rich.console import Console
from rich.progress import track

from dongne.accounts.schemas import SignupIn
from dongne.accounts.service import set_range, signup, verify_neighbourhood
from dongne.config import Settings
from dongne.geo.models import Neighbourhood
from dongne.listings.schemas import ListingIn
from dongne.listings.service import create_listing

DEMO_PASSWORD = "dongne-demo-1234"  # noqa: S105 - printed to the person running the demo
DEMO_NEIGHBOURHOODS = [
    "1168010100",  # 서울 강남구 역삼동
    "1168010800",  # 서울 강남구 논현동
    "1165010800",  # 서울 서초구 서초동
    "1144012300",  # 서울 마포구 망원동
    "1144012700",  # 서울 마포구 연남동 (if present)
    "1171010100",  # 서울 송파구 잠실동
    "1121510900",  # 서울 광진구 자양동
    "4113510900",  # 경기 성남시 분당구 정자동
]
# (category, title, description, price in won; 0 = 나눔)
ITEMS = [
    ("furniture", "원목 의자 팝니다", "이사 가서 정리해요. 흔들림 없고 튼튼해요.", 15000),
    ("furniture", "이케아 책상 120cm", "조립 상태 그대로 가져가셔야 해요.", 30000),
    ("digital", "아이폰 15 프로 256GB 블루", "배터리 성능 91%, 케이스 끼고 써서 깨끗해요.", 950000),
    ("digital", "삼성노트북 갤럭시북3 팝니다", "사무용으로 가볍게 썼어요. 충전기 포함.", 620000),
    ("digital", "RTX4070 그래픽카드", "채굴 안 했어요. 박스 있어요.", 550000),
    ("appliances", "다이슨 청소기 V10", "흡입력 좋아요. 배터리 교체했어요.", 180000),
    ("kitchen", "전기밥솥 6인용 나눔", "잘 되는데 새로 사서 나눔해요.", 0),
    ("kids", "유아 자전거 16인치", "보조바퀴 있어요. 아이가 커서 팔아요.", 40000),
    ("kids_books", "그림책 전집 30권", "깨끗하게 봤어요.", 25000),
    ("sports", "접이식 자전거 브롬톤", "직거래만 해요. 역 근처에서 만나요.", 1300000),
    ("sports", "요가매트 두 개 나눔", "한 번 쓰고 보관만 했어요.", 0),
    ("hobby", "닌텐도 스위치 OLED", "조이콘 쏠림 없어요. 게임 2개 같이 드려요.", 280000),
    ("books", "토익 교재 세트", "필기 조금 있어요.", 10000),
    ("plants", "몬스테라 화분 나눔", "잎이 많이 자라서 분갈이했어요.", 0),
    ("womens_clothing", "겨울 롱패딩 66", "두 번 입었어요.", 60000),
    ("mens", "나이키 운동화 270mm", "실착 5회 미만이에요.", 45000),
    ("pets", "고양이 캣타워 중형", "고양이가 안 써서 팔아요.", 20000),
    ("tickets", "영화 예매권 2매", "이번 달까지 써야 해요.", 16000),
]
ADJECTIVES = ["따뜻한", "부지런한", "친절한", "느긋한", "반가운", "씩씩한", "다정한", "알뜰한"]
NOUNS = ["당근", "고양이", "자전거", "호박", "감귤", "토끼", "다람쥐", "참새", "보리"]


async def run_demo(settings: Settings, *, users: int, seed: int, console: Console) -> None:
    from dongne.app import build_services
    from dongne.web import job_ctx

    rng = random.Random(seed)
    svc = await build_services(settings)
    try:
        async with svc.db.sessions() as db:
            places = [p for nid in DEMO_NEIGHBOURHOODS if (p := await db.get(Neighbourhood, nid))]
        if not places:
            console.print("[red]no neighbourhoods loaded; run `dongne geo load` first[/red]")
            return
        created = 0
        for n in track(range(users), description="demo residents", console=console):
            email = f"demo{n + 1}@dongne.example"
            nickname = f"{rng.choice(ADJECTIVES)}{rng.choice(NOUNS)}{n + 1}"
            place = places[n % len(places)]
            async with job_ctx(svc) as ctx:
                from sqlalchemy import select

                from dongne.accounts.models import User

                if await ctx.db.scalar(select(User.id).where(User.email == email)):
                    continue
                user = await signup(
                    ctx, SignupIn(email=email, nickname=nickname, password=DEMO_PASSWORD)
                )
                ctx.user = user
                await verify_neighbourhood(ctx, place.id, place.latitude, place.longitude)
                await set_range(ctx, place.id, rng.choice([1, 2, 3]))
                for category, title, description, price in rng.sample(ITEMS, 2):
                    await create_listing(
                        ctx,
                        ListingIn(
                            title=title,
                            description=description,
                            category=category,
                            price=price,
                            is_free=price == 0,
                            accepts_offers=rng.random() < 0.4,
                        ),
                    )
                created += 1
        await svc.jobs.drain()  # keyword alerts of the listings just posted
        console.print(
            f"demo: {created} residents with {2 * created} listings; "
            f"log in as demo1@dongne.example / {DEMO_PASSWORD}"
        )
    finally:
        await svc.close()
