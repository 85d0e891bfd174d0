"""Demo residents: real Seoul-area neighbourhoods, verified through the same
services a person uses. (The full simulated neighbourhood — listings, chats,
deals over many days — comes with the insights work.)"""

from __future__ import annotations

import random

from rich.console import Console
from rich.progress import track

from dongne.accounts.schemas import SignupIn
from dongne.accounts.service import set_range, signup, verify_neighbourhood
from dongne.config import Settings
from dongne.geo.models import Neighbourhood

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
                created += 1
        console.print(
            f"demo: {created} residents; log in as demo1@dongne.example / {DEMO_PASSWORD}"
        )
    finally:
        await svc.close()
