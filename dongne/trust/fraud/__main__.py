"""A micro-benchmark of the scan (python -m dongne.trust.fraud), not a test."""

from __future__ import annotations

import timeit
import unicodedata
from collections.abc import Callable
from functools import partial

from dongne.trust.fraud.scan import scan

listing = (
    "[판매] 아이폰 15 프로 256GB 내추럴 티타늄 / 2024년 5월 구매, 배터리 효율 94% 🔋 "
    "케이스+필름 끼고 써서 기스 없어요 ㅎㅎ 풀박스, 충전기 미포함. 가격 1,050,000원 "
    "(네고 조금 가능). 직거래는 역삼역 3번 출구 앞 19:30 이후, 주말은 오후 2시~6시 가능해요. "
)
listing = (listing * 8)[:1000]
samples = {
    "chat, clean": "네고 가능할까요? 내일 오후 7시 30분 역삼역 어때요 ㅎㅎ",
    "chat, fraud": "카톡 아이디 abc123 으로 연락주세요 공일공 일이삼사 오육칠팔",
    "listing, clean": listing,
    "listing, 4 signals": listing[:900]
    + " 선입금 주시면 택배 보내드려요 국민 123456-78-901234 문의는 bit.ly/x1 로",
}


def per_call(fn: Callable[[], object]) -> float:
    runs, total = timeit.Timer(fn).autorange()
    best = min(timeit.Timer(fn).repeat(repeat=5, number=runs)) / runs
    return min(best, total / runs)


print("scan() per message; baseline: unicodedata.normalize('NFKC', text) of the same text")
for name, sample in samples.items():
    took = per_call(partial(scan, sample))
    floor = per_call(partial(unicodedata.normalize, "NFKC", sample))
    print(
        f"{name:>20}: {len(sample):5,} chars {took * 1e6:8.1f} µs "
        f"({took / floor:5.1f}× the NFKC baseline of {floor * 1e6:.1f} µs)"
    )
