"""Search terms (dongne/listings/text.py): how fast they are made, against a naive baseline.

    python bench/text.py [--against REV] [--rounds 9]

Prints the CPU time per call of ``document_terms`` (a typical listing, and a long
4,000-character description; with the analysis cache warm and cold), ``query_plan`` and
``matches``, beside ``set(text.lower().split())`` (the least a tokenizer does) timed the same
way. Each figure is the best of ``--rounds`` rounds of CPU time (``time.process_time``), so
other processes on a shared machine matter less.

``--against REV`` also loads text.py as it was at the git revision REV (``git show``, read
only) and times it beside the current one, round by round, after checking that both give
the same terms in the same order for every listing and query of the run plus 20,000 random
ones (a mismatch is printed and the run fails).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import dongne  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dongne.listings import text as current

ROOT = Path(__file__).resolve().parents[1]

TITLE = "[급처] 삼성 갤럭시북3 프로 16인치 i7 RTX4050 노트북 (거의 새것, 풀박스) 직거래 팝니다"
DESCRIPTION = (
    "작년 12월에 구매한 삼성 갤럭시북3 프로 노트북입니다. 회사에서 업무용으로 지급받아서 "
    "개인적으로는 거의 사용하지 않았고, 배터리 사이클도 30회 미만이에요. 외관 찍힘이나 "
    "기스 없이 깨끗하고, 액정 보호필름 붙여서 사용했습니다. 구성품은 본체, 65W 충전기, "
    "설명서, 박스 전부 있습니다. i7-1360P, 16GB 램, 512GB SSD, RTX 4050 그래픽카드라 "
    "가벼운 게임이나 영상 편집도 잘 됩니다. 직거래는 역삼역 근처에서 가능하고 퇴근 후 "
    "저녁 7시 이후 편하신 시간에 연락 주세요. 택배 거래는 안전결제로만 합니다. 가격 "
    "네고는 어렵습니다. 노트북 가방이랑 무선 마우스도 같이 드려요. 사진에 보이는 그대로고 "
    "정품 인증 확인 가능합니다. 관심 있으신 분은 채팅 주세요! 😊 ㅎㅎ"
)
WORDS = [
    "원목",
    "의자",
    "책상",
    "침대",
    "소파",
    "냉장고",
    "세탁기",
    "자전거",
    "유모차",
    "카시트",
    "아이폰",
    "갤럭시",
    "노트북",
    "모니터",
    "키보드",
    "마우스",
    "이어폰",
    "충전기",
    "케이스",
    "가방",
    "지갑",
    "신발",
    "운동화",
    "패딩",
    "코트",
    "원피스",
    "장난감",
    "동화책",
    "전집",
    "블록",
    "인형",
    "캠핑",
    "텐트",
    "의자",
    "테이블",
    "조명",
    "커튼",
    "이불",
    "베개",
    "화분",
    "상태",
    "사용감",
    "깨끗",
    "생활기스",
    "찍힘",
    "직거래",
    "택배",
    "반값",
    "택배비",
    "포함",
    "별도",
    "가능",
    "불가",
    "네고",
    "연락",
    "채팅",
    "문의",
    "시간",
    "퇴근",
    "주말",
    "평일",
    "저녁",
    "오전",
    "근처",
    "역",
    "앞",
    "아파트",
    "정문",
    "보관",
    "구매",
    "선물",
    "이사",
    "정리",
    "급처",
    "새상품",
    "미개봉",
    "정품",
    "영수증",
    "보증서",
    "박스",
    "구성품",
    "설명서",
    "사진",
    "참고",
]
PARTICLES = ["", "", "", "을", "를", "이", "가", "은", "는", "에", "에서", "으로", "도", "만"]
ENDINGS = ["팝니다.", "있어요.", "합니다.", "드려요.", "주세요!", "했어요.", "가능해요."]
ODD = [
    "RTX4070",
    "256GB",
    "15",
    "i7-1360P",
    "ㅇㅈ",
    "ｉＰｈｏｎｅ",
    "의\u200b자",
    "원목/의자",
    "A급",
]
QUERIES = ("의자", "삼성 노트북", "아이폰 15 프로 256기가", "ㅅㅅㄴㅌㅂ", "RTX4070")


def sentence(rng: random.Random) -> str:
    weights = [1 / rank for rank in range(1, len(WORDS) + 1)]  # Zipf-like
    words = [
        rng.choices(WORDS, weights)[0] + rng.choice(PARTICLES) for _ in range(rng.randint(3, 8))
    ]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(ODD))
    return " ".join(words) + " " + rng.choice(ENDINGS)


def long_description(rng: random.Random) -> str:
    text = ""
    while len(text) < 4000:
        text += sentence(rng) + "\n"
    return text[:4000]


def per_call_us(call: Callable[[], object], rounds: int, calls: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            call()
        best = min(best, time.process_time() - started)
    return best / calls * 1e6


def naive(title: str, description: str) -> tuple[set[str], set[str]]:
    return set(title.lower().split()), set(description.lower().split())


def load_revision(rev: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:dongne/listings/text.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"text_at_{rev}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:dongne/listings/text.py", "exec"), module.__dict__)
    return module


def clear_cache(module: Any) -> None:
    """Empty the module's analysis cache, whichever way it keeps one."""
    if hasattr(module, "_CACHES"):  # the dict subclasses of older revisions
        for cache in module._CACHES:
            cache.clear()
    else:
        module._analyse.cache_clear()


def same_results(old: Any, texts: list[tuple[str, str]], queries: list[str]) -> int:
    """How many results differ (terms, weights or their order) between old and current."""
    differences = 0
    for title, body in texts:
        a = list(old.document_terms(title, body, [title[:10]]).items())
        b = list(current.document_terms(title, body, [title[:10]]).items())
        if a != b:
            differences += 1
            if differences <= 3:
                print(f"  DIFFERENT document_terms for {title!r}: {a[:8]} vs {b[:8]}")
    for query in queries:
        for typing in (False, True):
            a_plan = old.query_plan(query, as_you_type=typing)
            b_plan = current.query_plan(query, as_you_type=typing)
            if (a_plan.terms, a_plan.prefix) != (b_plan.terms, b_plan.prefix):
                differences += 1
                print(f"  DIFFERENT query_plan({query!r}): {a_plan} vs {b_plan}")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="a git revision whose text.py is timed beside")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    rng = random.Random(20261123)
    long = long_description(rng)
    modules: list[tuple[str, Any]] = [("current", current)]
    if args.against:
        old = load_revision(args.against)
        random_texts = [
            (sentence(rng), " ".join(sentence(rng) for _ in range(5))) for _ in range(20_000)
        ]
        texts = [(TITLE, DESCRIPTION), (TITLE, long), *random_texts]
        queries = [*QUERIES, *(sentence(rng)[: rng.randint(1, 30)] for _ in range(2_000))]
        differences = same_results(old, texts, queries)
        print(
            f"same results as {args.against}: {len(texts):,} listings and {len(queries):,} "
            f"queries (each also as you type), {differences} differences"
        )
        if differences:
            return 1
        modules.append((args.against, old))
    print(f"CPU µs per call, best of {args.rounds} rounds")
    print(f"  {'call':58}" + "".join(f"{name:>12}" for name, _ in modules) + f"{'naive':>12}")

    def row(label: str, make: Callable[[Any], Callable[[], object]], calls: int, base: Callable[[], object] | None) -> None:  # fmt: skip
        cells = [per_call_us(make(module), args.rounds, calls) for _, module in modules]
        text = f"  {label:58}" + "".join(f"{us:12.1f}" for us in cells)
        if base is not None:
            base_us = per_call_us(base, args.rounds, calls)
            text += f"{base_us:12.1f}   current / naive {cells[0] / base_us:.1f}×"
        if len(cells) > 1:
            text += f"   current / {modules[1][0]} {cells[0] / cells[1]:.2f}"
        print(text)

    for label, body in (("typical", DESCRIPTION), ("long", long)):
        size = f"{len(TITLE)}+{len(body)} chars, {len(current.document_terms(TITLE, body))} terms"
        row(
            f"document_terms, {label} ({size}), warm",
            lambda m, body=body: lambda: m.document_terms(TITLE, body),
            200,
            lambda body=body: naive(TITLE, body),
        )
        row(
            f"document_terms, {label}, cold cache",
            lambda m, body=body: lambda: (clear_cache(m), m.document_terms(TITLE, body)),
            100,
            None,
        )
    for query in QUERIES:
        row(f"query_plan({query!r})", lambda m, q=query: lambda: m.query_plan(q), 2000, None)
        row(
            f"query_plan({query!r}, as_you_type=True)",
            lambda m, q=query: lambda: m.query_plan(q, as_you_type=True),
            2000,
            None,
        )
    row(
        "matches(노트북 rtx, the long listing's terms)",
        lambda m: (
            lambda plan=m.query_plan("노트북 rtx"), terms=m.document_terms(TITLE, long): m.matches(
                plan, terms
            )
        ),
        2000,
        None,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
