"""The neighbourhood feed and search at scale, SQLite and PostgreSQL side by side.

    python bench/feed.py [--listings 1000000] [--engines sqlite,postgresql] [--queries 300]
                         [--baseline-queries 30] [--cache DIR] [--rebuild] [--prepare-only]

The dataset: every neighbourhood loaded by the real loader into a migrated database, a few
thousand users and N listings spread over real neighbourhoods (45 % Seoul, 25 % Seoul's
satellite cities in Gyeonggi, 10 % Incheon, 20 % the rest of the country), with their search
terms made by the application's own ``document_terms`` (as ``listings.service.writing._index`` does).
It is generated once into a SQLite file under ``--cache`` (var/bench/), keyed by
GENERATOR_VERSION, the arguments that shape it and the source of listings/text.py, and the
PostgreSQL database of the same name is COPYed from that file; a later run reuses both
(``--rebuild`` regenerates). Then, per engine, through the application's query functions on
a real AsyncSession:

* the feed's first page and page 11 at the 6 km range (level 3) around 역삼동, against the
  naive approach (a haversine distance for every listing, then sort);
* search inside the same range, against ``LIKE '%word%'`` restricted to the same range;
* the feed endpoint's throughput over real HTTP, as a ratio to ``GET /healthz``;
* the EXPLAIN of the feed and search statements.

Timings are printed, never asserted: a MISS is reported, not raised. ``--listings 20000``
is a smoke run of a few minutes; building the million-listing datasets takes most of a full
run's time (see the output for the actual times).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import heapq
import json
import math
import os
import random
import secrets
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

try:
    import dongne  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from _common import (
    PG_ADMIN_URL,
    ROOT,
    BenchDatabase,
    Timing,
    condense_plan,
    create_database,
    database_bytes,
    drop_database,
    explain,
    human_bytes,
    measure,
    percentile,
    prepare_schema,
    sqlite_files,
    start_server,
    stop_server,
    table_bytes,
    throughput,
)
from sqlalchemy import Select, TextClause, event, func, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.sql.base import Executable

from dongne.db import Database
from dongne.geo.models import Neighbourhood, NeighbourhoodRange
from dongne.kit.cursors import decode_cursor
from dongne.kit.media import LocalMediaStorage
from dongne.listings import queries
from dongne.listings import text as text_module
from dongne.listings.models import CATEGORIES, Listing, ListingTerm
from dongne.listings.text import QueryPlan, document_terms, query_plan

YEOKSAM = "1168010100"  # 서울특별시 강남구 역삼동
RANGE_LEVEL = 3  # 6 km
RANGE_KM = 6.0
PAGE_SIZE = queries.PAGE_SIZE
DEEP_PAGE = 11
SEARCH_WORDS = ("의자", "자전거")
STRESS_WORD = "상태"  # in a fifth of all descriptions: search's worst case, not a target

FEED_P50_MS, FEED_P99_MS, FEED_RATIO = 3.0, 15.0, 50.0
SEARCH_P50_MS, SEARCH_P99_MS, SEARCH_RATIO = 20.0, 100.0, 20.0

# -- what the listings say ----------------------------------------------------------------

# Per category: its share of listings (%), and items as "name|brands|specs|weight" (brands and
# specs comma-separated, weight 1 when omitted). 의자 is ~1.5 % of titles, as on real boards.
CATALOGUE: dict[str, tuple[float, list[str]]] = {
    "digital": (
        14,
        [
            "아이폰 15 프로|애플|128GB,256GB,512GB,자급제",
            "아이폰 14|애플|128GB,256GB,자급제",
            "아이폰 13 미니|애플|128GB,256GB",
            "갤럭시 S24|삼성|256GB,자급제,울트라",
            "갤럭시 Z플립5|삼성|256GB,자급제",
            "갤럭시북3|삼성|프로 16인치,360,노트북",
            "맥북 에어|애플|M2 13인치,M1 8GB,M3 15인치",
            "맥북 프로|애플|M1 14인치,M3 16인치",
            "아이패드 프로|애플|11인치,12.9인치 4세대",
            "아이패드 에어 5|애플|64GB,256GB 셀룰러",
            "그램 노트북|LG|16인치,14인치,2023년형",
            "에어팟 프로 2|애플|",
            "갤럭시 버즈2 프로|삼성|",
            "노이즈캔슬링 헤드폰|소니,보스|WH-1000XM5,QC45",
            "게이밍 모니터|LG,삼성,델|27인치,32인치 4K,144Hz",
            "기계식 키보드|로지텍,레오폴드,앱코|갈축,적축,청축",
            "무선 마우스|로지텍|MX Master 3S,G304",
            "닌텐도 스위치|닌텐도|OLED,라이트",
            "플레이스테이션5|소니|디스크 에디션,디지털 에디션",
            "미러리스 카메라|캐논,소니,후지필름|바디,렌즈 포함",
            "스마트워치|애플,삼성|45mm,GPS",
            "블루투스 스피커|JBL,마샬|",
            "조립 컴퓨터 본체||RTX4070,RTX3060,i5 13400F",
            "고속 충전기|애플,삼성|C타입,65W",
        ],
    ),
    "appliances": (
        8,
        [
            "냉장고|LG,삼성|디오스,비스포크,소형",
            "세탁기|LG,삼성|트롬,그랑데,통돌이",
            "건조기|LG,삼성|9kg,16kg",
            "에어컨|LG,삼성,캐리어|벽걸이,스탠드",
            "공기청정기|LG,삼성,샤오미,위닉스|",
            "로봇청소기|로보락,삼성,LG|S8,비스포크 제트봇",
            "무선청소기|다이슨,LG,삼성|V15,코드제로,V8",
            "전자레인지|LG,삼성|20L",
            "에어프라이어|필립스,코스오리|5.5L",
            "제습기|위닉스,LG|",
            "선풍기|신일,보국|BLDC,서큘레이터",
            "TV|LG,삼성|55인치,65인치 UHD,OLED",
            "커피머신|네스프레소,드롱기|버츄오,반자동",
            "정수기|코웨이,쿠쿠|",
            "전기밥솥|쿠쿠,쿠첸|6인용,10인용",
        ],
    ),
    "furniture": (
        8,
        [
            "원목 의자||2개,4개 세트|0.6",
            "사무용 의자|시디즈,듀오백|T50,메쉬|0.6",
            "게이밍 의자|제닉스,DXRACER||0.4",
            "식탁 의자||2개,4개|0.4",
            "바 의자||2개|0.2",
            "책상|이케아,한샘,데스커|1200,1600,모션데스크",
            "침대 프레임|이케아,한샘,일룸|퀸,슈퍼싱글",
            "매트리스|시몬스,에이스|퀸,슈퍼싱글",
            "소파|자코모,이케아,한샘|3인용,4인용 가죽,패브릭",
            "식탁|이케아,한샘|4인용,원목 6인용",
            "서랍장|이케아,한샘|5단,3단",
            "책장|이케아|5단,빌리",
            "옷장|한샘,일룸|",
            "행거||",
            "화장대||",
            "거실장|한샘|",
            "스탠드 조명|이케아|",
            "암막 커튼||",
            "러그||200x300",
        ],
    ),
    "kitchen": (
        7,
        [
            "냄비 세트|테팔,해피콜|",
            "프라이팬|테팔|28cm",
            "그릇 세트|코렐,덴비|",
            "텀블러|스타벅스,스탠리|",
            "밀폐용기|락앤락|",
            "칼 세트|헹켈|",
            "전기포트|드롱기|",
            "믹서기|필립스,테팔|",
            "캠핑 식기||",
            "와인잔||6개",
            "머그컵||",
            "수납함|이케아|",
        ],
    ),
    "kids": (
        9,
        [
            "유모차|부가부,잉글레시나,스토케|",
            "카시트|다이치,브라이텍스,싸이벡스|",
            "아기띠|에르고베이비,코니|",
            "범퍼침대||",
            "바운서|베이비뵨|",
            "유아 의자|스토케,범보|트립트랩|0.5",
            "유아 자전거|삼천리,스트라이더|네발,밸런스",
            "장난감|레고,뽀로로|",
            "아기 옷||",
            "보행기||",
            "놀이매트|알집매트,크림하우스|",
            "젖병 소독기|유팡,스펙트라|",
            "유축기|스펙트라,메델라|",
        ],
    ),
    "kids_books": (
        3,
        ["전집|프뢰벨,웅진,한솔|", "그림책||", "자연관찰 전집||", "영어 동화책||", "세이펜||"],
    ),
    "womens_clothing": (
        9,
        [
            "원피스|자라,H&M,유니클로|S,M,55,66",
            "코트||",
            "패딩|노스페이스,디스커버리|롱패딩,숏패딩",
            "니트||",
            "청바지|리바이스|26,27,28",
            "블라우스||",
            "트렌치코트|버버리|",
            "가디건||",
            "셔츠||",
            "스커트||",
        ],
    ),
    "womens_accessories": (
        5,
        [
            "가방|루이비통,구찌,코치,마이클코어스|숄더백,토트백,크로스백",
            "지갑|프라다,생로랑|반지갑",
            "운동화|나이키,뉴발란스,아디다스|230,240,250",
            "구두||",
            "목걸이|판도라|",
            "귀걸이||",
            "선글라스|젠틀몬스터|",
        ],
    ),
    "mens": (
        5,
        [
            "패딩|노스페이스,파타고니아|",
            "맨투맨||",
            "운동화|나이키,아디다스,뉴발란스|270,280",
            "시계|세이코,카시오,롤렉스|",
            "백팩||",
            "정장||",
            "셔츠||",
            "벨트||",
        ],
    ),
    "beauty": (
        4,
        [
            "향수|샤넬,조말론,딥디크|50ml,100ml",
            "고데기|다이슨,보다나|에어랩",
            "드라이기|다이슨,JMW|",
            "화장품 세트|설화수,이니스프리|",
            "립스틱||",
            "쿠션 팩트||",
        ],
    ),
    "sports": (
        6,
        [
            "자전거|삼천리,자이언트,브롬톤|로드,MTB,접이식,하이브리드|1.5",
            "전기 자전거|삼천리|팬텀|0.5",
            "캠핑 의자|헬리녹스,콜맨|체어원|0.5",
            "텐트|코베아,스노우피크,콜맨|4인용,거실형",
            "골프채|타이틀리스트,테일러메이드,핑|드라이버,아이언 세트",
            "러닝머신||",
            "덤벨||10kg,20kg",
            "요가매트||",
            "등산화||",
            "스노보드||",
            "킥보드||",
            "배드민턴 라켓|요넥스|",
            "캠핑 테이블||",
        ],
    ),
    "hobby": (
        4,
        [
            "레고|레고|테크닉,스타워즈",
            "보드게임||",
            "LP||",
            "기타|야마하,콜트,펜더|통기타,일렉",
            "디지털 피아노|야마하|",
            "포켓몬 카드||",
            "피규어||",
            "드론|DJI|미니3",
            "퍼즐||",
        ],
    ),
    "books": (
        3,
        ["소설책||", "자기계발서||", "토익 교재|해커스|", "수능 문제집||", "만화책 전권||"],
    ),
    "tickets": (
        2,
        [
            "모바일 상품권|신세계,롯데|10만원권,5만원권",
            "스타벅스 기프티콘||",
            "콘서트 티켓||",
            "자유이용권|롯데월드,에버랜드|",
            "영화 예매권|CGV,메가박스|",
        ],
    ),
    "food": (
        2,
        ["커피 캡슐|네스프레소|", "라면 한 박스||", "견과류 세트||", "참치 선물세트|동원|"],
    ),
    "health": (1, ["홍삼|정관장|에브리타임", "유산균||", "비타민|센트룸|", "프로틴||"]),
    "pets": (
        2,
        ["캣타워||", "강아지 켄넬||", "고양이 사료|로얄캐닌|", "강아지 유모차||", "펫 드라이룸||"],
    ),
    "plants": (1, ["몬스테라||", "고무나무||", "스투키||", "화분||", "다육이||", "금전수||"]),
    "other": (
        3,
        [
            "이사 박스||",
            "캐리어|샘소나이트,리모와|24인치,28인치",
            "공구 세트|보쉬,디월트|",
            "전동드릴|보쉬,디월트|",
            "재봉틀|브라더|",
            "안마의자|바디프랜드,세라젬||0.3",
        ],
    ),
    "wanted": (2, []),  # "<an item of another category> 삽니다"
}
PRICES = {  # won: a typical range per category
    "digital": (50_000, 1_500_000),
    "appliances": (30_000, 800_000),
    "furniture": (10_000, 400_000),
    "tickets": (5_000, 100_000),
    "kids": (5_000, 300_000),
    "sports": (10_000, 600_000),
}
STATES = [
    "팝니다", "판매합니다", "판매", "급처", "새상품", "미개봉", "거의 새것", "상태 좋아요",
    "싸게 팝니다", "정리합니다", "풀박스", "S급", "A급", "택포", "반택포", "급처분",
]  # fmt: skip
ADJECTIVES = ["깨끗한", "거의 새거", "상태 좋은", "미사용", "중고", "급처분"]
CONDITION = [
    "거의 새것이에요.", "사용감 조금 있어요.", "생활기스 약간 있습니다.", "한 번도 안 썼어요.",
    "상태 아주 좋아요.", "몇 번 사용 안 했어요.", "{n}년 정도 사용했어요.", "{n}개월 사용했습니다.",
    "작동 잘 됩니다.", "찍힘이나 파손 없어요.", "박스랑 구성품 다 있어요.", "사진 참고해 주세요.",
    "선물 받았는데 안 써서 내놓아요.", "이사 가게 되어 정리합니다.", "새 제품 사서 팝니다.",
    "상태 좋습니다.", "상태는 사진 보시면 돼요.",
]  # fmt: skip
DEAL = [
    "직거래 원해요.", "직거래만 합니다.", "택배 가능해요. 택배비 별도입니다.", "네고 안 돼요.",
    "가격 제안 받아요.", "쿨거래 시 조금 깎아드려요.", "퇴근 후 저녁에 거래 가능해요.",
    "주말에만 가능합니다.", "문 앞 거래 원해요.", "먼저 오시는 분께 드려요.", "채팅 주세요!",
    "연락 주세요.", "예약 중에는 다른 분과 거래하지 않아요.",
]  # fmt: skip
PLACE = [
    "{station}역 근처에서 거래해요.", "{station}역 {exit}번 출구 앞에서 가능해요.",
    "아파트 정문에서 만나요.", "{station}역 근처 편의점 앞에서 가능합니다.",
]  # fmt: skip
STATIONS = [
    "역삼", "강남", "선릉", "삼성", "교대", "잠실", "홍대입구", "신촌", "합정", "판교", "수원",
    "부평", "서면", "건대입구", "사당", "노원", "일산", "분당", "신림", "왕십리", "구로디지털단지",
]  # fmt: skip
EXTRA = {  # category-specific sentences
    "furniture": [
        "조립은 직접 하셔야 해요.", "분해해서 가져가셔야 합니다.", "엘리베이터 있어요.",
        "1층이라 옮기기 쉬워요.", "의자는 포함 안 돼요.",
    ],
    "kids": ["아이가 커서 정리해요.", "소독해서 보관했어요.", "둘째 생각해서 두었다가 팝니다."],
    "digital": ["배터리 성능 {p}%입니다.", "액정 깨끗해요.", "정품 인증 가능해요.", "초기화 완료했어요."],
    "sports": ["몇 번 안 탔어요.", "타이어 상태 좋아요.", "실내 보관했어요."],
}  # fmt: skip
LONG_FILLER = [
    "구매한 지 {n}개월 됐고 거의 쓰지 않았어요.", "궁금한 점은 채팅으로 물어봐 주세요.",
    "사진에 보이는 구성 그대로 드립니다.", "급하게 이사를 가게 되어서 정리하는 중이에요.",
    "다른 물건도 같이 올렸으니 프로필 확인해 주세요.", "비슷한 가격에 파는 곳이 없을 거예요.",
    "흠집은 사진으로 최대한 자세히 찍었어요.", "평일에는 저녁 8시 이후만 가능합니다.",
    "가져가실 때 큰 차 가지고 오셔야 해요.", "정가 {price}원 주고 샀습니다.",
]  # fmt: skip


@dataclass(frozen=True)
class Item:
    name: str
    brands: tuple[str, ...]
    specs: tuple[str, ...]


def _items(lines: list[str]) -> tuple[list[Item], list[float]]:
    items, weights = [], []
    for line in lines:
        name, brands, specs, weight = [*line.split("|"), "", ""][:4]
        items.append(Item(name, tuple(brands.split(",")) if brands else (), tuple(specs.split(",")) if specs else ()))  # fmt: skip
        weights.append(float(weight) if weight else 1.0)
    return items, weights


ITEMS = {slug: _items(lines) for slug, (_share, lines) in CATALOGUE.items()}
SLUGS = list(CATALOGUE)
SHARES = [share for share, _ in CATALOGUE.values()]
assert set(SLUGS) == set(CATEGORIES), "the catalogue must cover every category"


class Writer:
    """Titles, descriptions and prices, from one seeded random.Random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def item(self, slug: str) -> Item:
        items, weights = ITEMS[slug]
        return self.rng.choices(items, weights)[0]

    def title(self, slug: str, item: Item, free: bool) -> str:
        r = self.rng
        brand = r.choice(item.brands) + " " if item.brands and r.random() < 0.6 else ""
        spec = " " + r.choice(item.specs) if item.specs and r.random() < 0.6 else ""
        if slug == "wanted":
            return f"{brand}{item.name}{spec} " + r.choice(["삽니다", "구해요", "구매 원해요"])
        if free:
            return f"{item.name} " + r.choice(["나눔", "무료나눔", "드림", "나눔합니다"])
        shape = r.random()
        if shape < 0.45:
            return f"{brand}{item.name}{spec} {r.choice(STATES)}"
        if shape < 0.75:
            return f"{brand}{item.name}{spec}"
        if shape < 0.9:
            return f"{r.choice(ADJECTIVES)} {item.name}{spec}"
        return f"{brand}{item.name} {r.choice(STATES)}"

    def _fill(self, sentence: str) -> str:
        r = self.rng
        if "{" not in sentence:
            return sentence
        return sentence.format(
            n=r.randint(1, 11),
            p=r.randint(80, 100),
            station=r.choice(STATIONS),
            exit=r.randint(1, 12),
            price=f"{r.randrange(2, 200) * 10_000:,}",
        )

    def description(self, slug: str, item: Item) -> str:
        r = self.rng
        pools = [CONDITION, DEAL, PLACE, EXTRA.get(slug, CONDITION)]
        if r.random() < 0.1:  # a long one: 150-600 characters
            count = r.randint(6, 18)
            pools.append(LONG_FILLER)
        else:
            count = r.choices((1, 2, 3, 4, 5, 6), (4, 14, 30, 28, 16, 8))[0]
        sentences = [self._fill(r.choice(r.choice(pools))) for _ in range(count)]
        if r.random() < 0.35:
            sentences.insert(0, f"{item.name} 팝니다.")
        return (" " if r.random() < 0.8 else "\n").join(sentences)

    def price(self, slug: str) -> int:
        low, high = PRICES.get(slug, (3_000, 150_000))
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        step = 1_000 if value < 100_000 else 10_000
        return max(step, round(value / step) * step)


# -- where the listings are ---------------------------------------------------------------

SATELLITES = frozenset(  # Gyeonggi cities that commute to Seoul
    "수원시 성남시 의정부시 안양시 부천시 광명시 안산시 고양시 과천시 구리시 남양주시 "  # noqa: SIM905
    "시흥시 군포시 의왕시 하남시 용인시 김포시 화성시 광주시 파주시 양주시 오산시".split()
)
REGIONS = (  # (label, share)
    ("Seoul (11…)", 0.45),
    ("Gyeonggi satellite cities (41…)", 0.25),
    ("Incheon (28…)", 0.10),
    ("rest of the country", 0.20),
)


def regions(places: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Neighbourhood ids per region of REGIONS, from (id, full name) pairs."""
    out: list[list[str]] = [[], [], [], []]
    for nid, full_name in sorted(places):
        words = full_name.split()
        if nid.startswith("11"):
            out[0].append(nid)
        elif nid.startswith("41") and len(words) > 1 and words[1] in SATELLITES:
            out[1].append(nid)
        elif nid.startswith("28"):
            out[2].append(nid)
        else:
            out[3].append(nid)
    return out


# -- the rows -----------------------------------------------------------------------------

LISTING_COLUMNS = (
    "id", "seller_id", "neighbourhood_id", "title", "description", "category", "price",
    "is_free", "accepts_offers", "status", "is_hidden", "is_listed", "created_at",
    "updated_at", "bumped_at", "sort_at", "deleted_at", "like_count", "chat_count",
    "view_count", "cover_key",
)  # fmt: skip
TERM_COLUMNS = ("term", "neighbourhood_id", "listing_id", "weight", "sort_at", "is_listed")
USER_COLUMNS = ("id", "email", "nickname", "password_hash", "role", "locale", "created_at")
ListingRow = tuple[object, ...]
TermRow = tuple[str, str, int, int, object, bool]


@dataclass
class Batch:
    listings: list[ListingRow] = field(default_factory=list)
    terms: list[TermRow] = field(default_factory=list)


@dataclass
class Stats:
    listings: int = 0
    terms: int = 0
    titles_with_chair: int = 0
    description_lengths: list[int] = field(default_factory=list)
    per_region: list[int] = field(default_factory=lambda: [0, 0, 0, 0])


def generate(
    count: int,
    seed: int,
    places: list[list[str]],
    users: int,
    now: datetime,
    batch_size: int,
    stats: Stats,
) -> Iterator[Batch]:
    """The listings in id order (ids grow with created_at, as they do in the application),
    each with its search-term rows, in batches. The same seed gives the same rows."""
    rng = random.Random(seed)
    write = Writer(rng)
    span = 180 * 86_400
    ages = sorted((rng.random() * span for _ in range(count)), reverse=True)
    shares = [share for _, share in REGIONS]
    batch = Batch()
    for index, age in enumerate(ages, start=1):
        region = rng.choices(range(4), shares)[0]
        nid = rng.choice(places[region])
        slug = rng.choices(SLUGS, SHARES)[0]
        free = slug != "wanted" and rng.random() < 0.04
        item = write.item(rng.choice([s for s in SLUGS if s != "wanted"]) if slug == "wanted" else slug)  # fmt: skip
        title = write.title(slug, item, free)[:60]
        description = write.description(slug, item)
        created = now - timedelta(seconds=age)
        bumped = None
        if rng.random() < 0.05 and age > 86_400:  # 끌어올리기, at least a day after posting
            bumped = created + timedelta(seconds=rng.uniform(86_400, age))
        roll = rng.random()
        status = "sold" if roll < 0.03 else "reserved" if roll < 0.05 else "selling"
        hidden = rng.random() < 0.01
        updated = bumped or created
        batch.listings.append(
            (
                index,
                rng.randint(1, users),
                nid,
                title,
                description,
                slug,
                0 if free else write.price(slug),
                free,
                rng.random() < 0.3,
                status,
                hidden,
                not hidden,
                created,
                updated,
                bumped,
                bumped or created,
                None,
                int(rng.expovariate(0.5)),
                int(rng.expovariate(1.0)),
                int(rng.expovariate(0.05)),
                None,
            )
        )
        # Exactly what listings.service.writing._index stores, with the listing's sort_at (as SQLite
        # stores it) and is_listed copied into each posting.
        terms = document_terms(title, description, extra=(CATEGORIES[slug],))
        sort_at, listed = sqlite_time(bumped or created), not hidden
        batch.terms.extend(
            (term, nid, index, weight, sort_at, listed) for term, weight in terms.items()
        )
        stats.listings += 1
        stats.terms += len(terms)
        stats.titles_with_chair += "의자" in title
        stats.per_region[region] += 1
        if index % 10 == 0:
            stats.description_lengths.append(len(description))
        if len(batch.listings) >= batch_size:
            yield batch
            batch = Batch()
    if batch.listings:
        yield batch


def user_rows(count: int, now: datetime) -> list[tuple[object, ...]]:
    # Users are not the subject: a constant password hash, no neighbourhoods.
    return [
        (i, f"bench{i}@example.com", f"이웃{i}", "bench-no-login", "user", "ko", now)
        for i in range(1, count + 1)
    ]


# -- bulk loading -------------------------------------------------------------------------


def sqlite_time(value: object) -> object:
    """A UTC datetime as SQLAlchemy's SQLite DATETIME stores it (naive, microseconds)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


TIME_COLUMNS = [i for i, c in enumerate(LISTING_COLUMNS) if c.endswith("_at")]


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def load_sqlite(
    path: Path, rows: Callable[[], Iterator[Batch]], users: list[tuple[object, ...]]
) -> None:
    """executemany in one transaction, with synchronous=OFF and no journal for the load only
    (the file goes back to WAL, as the application runs it). The secondary indexes of
    listings and listing_terms are dropped around the load and recreated from their own SQL in
    sqlite_schema (so exactly the migration's). The terms' primary key cannot be dropped
    (WITHOUT ROWID): they are appended to a plain table first and moved into listing_terms
    sorted by that key, so the B-tree is written left to right (35 minutes in listing order,
    a few in key order); the index is then densely packed, as after a VACUUM."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-2000000")  # 2 GB
        conn.execute("BEGIN")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('listings', 'listing_terms')"
        ).fetchall()
        for name, _sql in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.executemany(
            _insert_sql("users", USER_COLUMNS),
            [tuple(sqlite_time(v) for v in row) for row in users],
        )
        conn.execute(
            "CREATE TABLE bench_terms_unsorted (term TEXT, neighbourhood_id TEXT, "
            "listing_id INTEGER, weight INTEGER, sort_at TEXT, is_listed INTEGER)"
        )
        insert_listing = _insert_sql("listings", LISTING_COLUMNS)
        insert_term = _insert_sql("bench_terms_unsorted", TERM_COLUMNS)
        for batch in rows():
            listings = [list(row) for row in batch.listings]
            for row in listings:
                for i in TIME_COLUMNS:
                    row[i] = sqlite_time(row[i])
            conn.executemany(insert_listing, listings)
            conn.executemany(insert_term, batch.terms)
        columns = ", ".join(TERM_COLUMNS)
        conn.execute(
            f"INSERT INTO listing_terms ({columns}) SELECT {columns} FROM bench_terms_unsorted "
            "ORDER BY term, neighbourhood_id, listing_id"
        )
        conn.execute("DROP TABLE bench_terms_unsorted")
        for _name, sql in indexes:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("VACUUM")  # give back the pages of the unsorted copy
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


async def _sqlite_csv(path: Path, table: str, columns: Sequence[str]) -> AsyncIterator[bytes]:
    """The rows of a SQLite table as CSV from the sqlite3 command-line shell, in 1 MiB
    chunks (Python only moves bytes: no row passes through it)."""
    process = await asyncio.create_subprocess_exec(
        "sqlite3",
        "-readonly",
        "-csv",
        str(path),
        f"SELECT {', '.join(columns)} FROM {table}",
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        while chunk := await process.stdout.read(1 << 20):
            yield chunk
    finally:
        if await process.wait() != 0:
            raise RuntimeError(f"sqlite3 failed reading {table}")


async def load_postgresql(url: str, source: Path) -> None:
    """COPY from the SQLite dataset (``sqlite3 -csv`` piped into asyncpg's copy_to_table:
    the same rows on both engines, generated once). The secondary indexes of listings and
    listing_terms, and the terms' primary key, are dropped around the load and recreated from
    their own definitions (pg_get_indexdef, pg_get_constraintdef: exactly the migration's).
    Foreign keys stay declared, but are not checked row by row during the load
    (session_replication_role = replica): the rows are consistent by construction. SQLite
    stores naive UTC times, read here in a UTC session."""
    import asyncpg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host,
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        database=u.database,
        server_settings={"timezone": "UTC"},
    )
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '1GB'")
        tables = ["listings", "listing_terms"]
        indexes = await conn.fetch(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def "
            "FROM pg_index i WHERE i.indrelid::regclass::text = ANY($1) AND NOT i.indisprimary",
            tables,
        )
        pkey = await conn.fetchrow(
            "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
            "WHERE contype = 'p' AND conrelid = 'listing_terms'::regclass"
        )
        assert pkey is not None
        for index in indexes:
            await conn.execute(f"DROP INDEX {index['name']}")
        await conn.execute(f'ALTER TABLE listing_terms DROP CONSTRAINT "{pkey["conname"]}"')
        for table, columns in (
            ("users", USER_COLUMNS),
            ("listings", LISTING_COLUMNS),
            ("listing_terms", TERM_COLUMNS),
        ):
            await conn.copy_to_table(
                table, source=_sqlite_csv(source, table, columns), columns=columns, format="csv"
            )
        await conn.execute(
            f'ALTER TABLE listing_terms ADD CONSTRAINT "{pkey["conname"]}" {pkey["def"]}'
        )
        for index in indexes:
            await conn.execute(index["def"])
        for table in ("users", "listings"):  # the rows came with their ids
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
    finally:
        await conn.close()


# -- measurements -------------------------------------------------------------------------

HAVERSINE_KM = (
    "2 * 6371 * asin(sqrt(power(sin(radians({lat} - :lat) / 2), 2) + cos(radians(:lat)) "
    "* cos(radians({lat})) * power(sin(radians({lon} - :lon) / 2), 2)))"
)
NAIVE_COPY = text(
    "SELECT id FROM naive_listings WHERE is_listed = :listed AND "
    + HAVERSINE_KM.format(lat="latitude", lon="longitude")
    + " <= :km ORDER BY created_at DESC LIMIT 20"
)
NAIVE_JOIN = text(
    "SELECT l.id FROM listings l JOIN neighbourhoods n ON n.id = l.neighbourhood_id "
    "WHERE l.is_listed = :listed AND "
    + HAVERSINE_KM.format(lat="n.latitude", lon="n.longitude")
    + " <= :km ORDER BY l.created_at DESC LIMIT 20"
)
NAIVE_ALL = text("SELECT id, latitude, longitude, created_at FROM naive_listings WHERE is_listed = :listed")  # fmt: skip


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(a))


@dataclass
class Row:
    """One line of a report: a timing, and what it is judged against."""

    label: str
    timing: Timing
    kind: str = "ours"  # "ours" | "baseline" | "info"
    target: tuple[float, float, float] | None = None  # p50 ms, p99 ms, ratio
    baseline: float | None = None  # the baseline's p50 in ms, for the ratio

    @property
    def ratio(self) -> float | None:
        return self.baseline / self.timing.p50_ms if self.baseline else None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        p50, p99, ratio = self.target
        ok = self.timing.p50_ms <= p50 and self.timing.p99_ms <= p99
        ok = ok and (self.ratio or 0.0) >= ratio
        return "PASS" if ok else "MISS"


@dataclass
class EngineReport:
    label: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: list[tuple[str, list[str]]] = field(default_factory=list)
    http: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, db: Database, media: LocalMediaStorage, runs: int, baseline_runs: int):
        self.db = db
        self.media = media
        self.runs = runs
        self.baseline_runs = baseline_runs

    async def feed(
        self, origin: str, cursor: str | None, with_cards: bool
    ) -> tuple[list[int], str | None]:
        """What the feed endpoint asks of the database: range, ids (and cards)."""
        async with self.db.sessions() as session:
            targets = await queries.range_targets(session, origin, RANGE_LEVEL)
            ids, following = await queries.feed_ids(session, targets, queries.FeedFilter(), cursor)
            if with_cards:
                await queries.cards(session, self.media, ids)
        return ids, following

    async def search(self, origin: str, word: str, with_cards: bool) -> list[int]:
        async with self.db.sessions() as session:
            plan = query_plan(word)
            targets = await queries.range_targets(session, origin, RANGE_LEVEL)
            ids, _ = await queries.search_ids(session, targets, plan, queries.FeedFilter(), None)
            if with_cards:
                await queries.cards(session, self.media, ids)
        return ids

    async def like(self, targets: list[str], word: str) -> list[int]:
        async with self.db.sessions() as session:
            return list((await session.scalars(like_statement(targets, word))).all())

    async def naive_sql(self, statement: TextClause, centre: tuple[float, float]) -> list[int]:
        params = {"lat": centre[0], "lon": centre[1], "km": RANGE_KM, "listed": True}
        async with self.db.sessions() as session:
            return list((await session.scalars(statement, params)).all())

    async def naive_python(self, centre: tuple[float, float]) -> list[int]:
        async with self.db.sessions() as session:
            rows = (await session.execute(NAIVE_ALL, {"listed": True})).all()
        lat, lon = centre
        near = [
            (created, ident)
            for ident, la, lo, created in rows
            if haversine_km(lat, lon, la, lo) <= RANGE_KM
        ]
        return [ident for _, ident in heapq.nlargest(PAGE_SIZE, near)]

    async def time(self, call: Callable[[], Awaitable[object]], few: bool = False) -> Timing:
        """``few``: the baselines' (slow) number of runs, after one warm-up."""
        if few:
            return await measure(call, self.baseline_runs, warmup=1)
        return await measure(call, self.runs)


def like_statement(targets: list[str], word: str) -> Select[tuple[int]]:
    """The fair LIKE baseline: the same range, the same listed flag, newest first."""
    pattern = f"%{word}%"
    return (
        select(Listing.id)
        .where(
            Listing.neighbourhood_id.in_(targets),
            Listing.is_listed.is_(True),
            or_(Listing.title.like(pattern), Listing.description.like(pattern)),
        )
        .order_by(Listing.sort_at.desc(), Listing.id.desc())
        .limit(PAGE_SIZE)
    )


async def measure_engine(bench: Bench, report: EngineReport) -> tuple[float, float]:
    """Every query timing of one engine, in the order they are printed; returns the centre
    of 역삼동."""
    db = bench.db
    async with db.sessions() as session:
        targets = await queries.range_targets(session, YEOKSAM, RANGE_LEVEL)
        centre = (
            await session.execute(
                select(Neighbourhood.latitude, Neighbourhood.longitude).where(
                    Neighbourhood.id == YEOKSAM
                )
            )
        ).one()
        in_range = await session.scalar(
            select(func.count())
            .select_from(Listing)
            .where(Listing.neighbourhood_id.in_(targets), Listing.is_listed.is_(True))
        )
        biggest, biggest_size = (
            await session.execute(
                select(NeighbourhoodRange.origin_id, func.count())
                .where(NeighbourhoodRange.level <= RANGE_LEVEL)
                .group_by(NeighbourhoodRange.origin_id)
                .order_by(func.count().desc(), NeighbourhoodRange.origin_id)
                .limit(1)
            )
        ).one()
        biggest_name = await session.scalar(
            select(Neighbourhood.full_name).where(Neighbourhood.id == biggest)
        )
    report.notes.append(
        f"range: 역삼동 ({YEOKSAM}) at level {RANGE_LEVEL} (6 km) = {len(targets)} "
        f"neighbourhoods holding {in_range:,} listed listings"
    )
    feed_target = (FEED_P50_MS, FEED_P99_MS, FEED_RATIO)
    search_target = (SEARCH_P50_MS, SEARCH_P99_MS, SEARCH_RATIO)

    # The naive feed: every listing's distance, then sort. The fastest variant is the baseline.
    centre_ll = (float(centre[0]), float(centre[1]))
    # The same SQL over a join is shown for reference only: its distance involves neighbourhood
    # columns alone, so the database may evaluate it once per neighbourhood (20k), not per
    # listing; see its plan below.
    python_runs = max(1, min(5, bench.baseline_runs))
    naive = [
        Row(
            "naive: haversine in SQL, lat/lon on each listing",
            await bench.time(lambda: bench.naive_sql(NAIVE_COPY, centre_ll), few=True),
            "baseline",
        ),
        Row(
            "naive: fetch all, haversine in Python",
            await measure(lambda: bench.naive_python(centre_ll), python_runs, warmup=1),
            "baseline",
        ),
    ]
    joined = Row(
        "reference: the haversine SQL joining neighbourhoods",
        await bench.time(lambda: bench.naive_sql(NAIVE_JOIN, centre_ll), few=True),
        "baseline",
    )
    fastest = min(naive, key=lambda row: row.timing.p50_ms)
    naive_best = fastest.timing.p50_ms
    report.notes.append(f"the feed's baseline (fastest naive variant): {fastest.label[7:]}")

    # Ours: page 1, then page 11 by the cursor of page 10.
    page1_ids = Row(
        "feed page 1: range_targets + feed_ids",
        await bench.time(lambda: bench.feed(YEOKSAM, None, False)),
        target=feed_target,
        baseline=naive_best,
    )
    page1 = Row(
        "feed page 1: + cards (the endpoint's reads)",
        await bench.time(lambda: bench.feed(YEOKSAM, None, True)),
        target=feed_target,
        baseline=naive_best,
    )
    cursor: str | None = None
    for _ in range(DEEP_PAGE - 1):
        _ids, cursor = await bench.feed(YEOKSAM, cursor, False)
    deep_cursor = cursor
    deep_ids = Row(
        f"feed page {DEEP_PAGE}: range_targets + feed_ids",
        await bench.time(lambda: bench.feed(YEOKSAM, deep_cursor, False)),
        target=feed_target,
        baseline=naive_best,
    )
    deep = Row(
        f"feed page {DEEP_PAGE}: + cards",
        await bench.time(lambda: bench.feed(YEOKSAM, deep_cursor, True)),
        target=feed_target,
        baseline=naive_best,
    )
    widest = Row(
        f"feed page 1 + cards at the widest range ({biggest_size} neighbourhoods)",
        await bench.time(lambda: bench.feed(biggest, None, True), few=True),
        "info",
    )
    report.notes.append(
        f"widest 6 km range: {biggest_name} ({biggest}), {biggest_size} neighbourhoods"
    )
    report.rows += [page1_ids, page1, deep_ids, deep, *naive, joined, widest]

    # Where the time of a feed page goes: building the statement, running it, the cards.
    no_filter = queries.FeedFilter()
    dialect = db.engine.dialect.name
    built, built_values = queries.feed_query(dialect, targets, no_filter, None, PAGE_SIZE + 1)
    first_ids, _ = await bench.feed(YEOKSAM, None, False)

    async def build() -> None:
        queries.feed_query(dialect, targets, no_filter, None, PAGE_SIZE + 1)

    async def run_built() -> None:
        async with db.sessions() as session:
            (await session.execute(built, built_values)).all()

    async def only_cards() -> None:
        async with db.sessions() as session:
            await queries.cards(session, bench.media, first_ids)

    report.rows += [
        Row("diagnosis: feed_query() alone (Python, no database)", await bench.time(build), "info"),
        Row("diagnosis: feed page 1 SQL, one statement object reused", await bench.time(run_built), "info"),
        Row("diagnosis: cards() alone, 20 ids", await bench.time(only_cards), "info"),
    ]  # fmt: skip

    # Search inside the same range, against LIKE restricted to the same range.
    for word in (*SEARCH_WORDS, STRESS_WORD):
        stress = word == STRESS_WORD
        kind, target = ("info", None) if stress else ("ours", search_target)
        like = Row(
            f"LIKE '%{word}%' in the same range, newest first",
            await bench.time(partial(bench.like, targets, word), few=True),
            "baseline",
        )
        ours_ids = Row(
            f'search "{word}": range_targets + search_ids',
            await bench.time(partial(bench.search, YEOKSAM, word, False)),
            kind,
            target,
            like.timing.p50_ms,
        )
        ours = Row(
            f'search "{word}": + cards' + (" (stress case, no target)" if stress else ""),
            await bench.time(partial(bench.search, YEOKSAM, word, True)),
            kind,
            target,
            like.timing.p50_ms,
        )
        plan = query_plan(word)
        async with db.sessions() as session:
            postings = await session.scalar(
                select(func.count())
                .select_from(ListingTerm)
                .where(ListingTerm.term.in_(plan.terms), ListingTerm.neighbourhood_id.in_(targets))
            )
            matching = await session.scalar(
                select(func.count()).select_from(
                    like_statement(targets, word).limit(None).order_by(None).subquery()
                )
            )
        report.notes.append(
            f'"{word}": query terms {list(plan.terms)}, {postings:,} postings in range; '
            f"LIKE matches {matching:,} listed listings in range"
        )
        report.rows += [ours_ids, ours, like]
        if word == SEARCH_WORDS[0]:  # where its time goes
            search_stmt, search_values = queries.search_query(
                targets, plan, no_filter, None, PAGE_SIZE + 1
            )

            async def build_search(plan: QueryPlan = plan) -> None:
                queries.search_query(targets, plan, no_filter, None, PAGE_SIZE + 1)

            async def run_search(
                statement: Executable = search_stmt, values: dict[str, object] = search_values
            ) -> None:
                async with db.sessions() as session:
                    (await session.execute(statement, values)).all()

            report.rows += [
                Row("diagnosis: search_query() alone (Python, no database)", await bench.time(build_search), "info"),
                Row(f'diagnosis: search "{word}" SQL, one statement object reused', await bench.time(run_search), "info"),
            ]  # fmt: skip

    # The plans at this size (PostgreSQL: EXPLAIN ANALYZE, so they are run once more).
    after = decode_cursor(deep_cursor, 2) if deep_cursor else None
    deep_after = (datetime.fromisoformat(after[0]), int(after[1])) if after else None
    statements: list[tuple[str, Executable]] = [
        ("feed page 1", queries.feed_statement(dialect, targets, no_filter, None, PAGE_SIZE + 1)),
        (
            f"feed page {DEEP_PAGE}",
            queries.feed_statement(dialect, targets, no_filter, deep_after, PAGE_SIZE + 1),
        ),
        (
            'search "의자"',
            queries.search_statement(targets, query_plan("의자"), no_filter, None, PAGE_SIZE + 1),
        ),
        ("cards of page 1 (queries.cards)", queries.CARDS.params(ids=first_ids)),
        (
            "naive feed, lat/lon on each listing",
            NAIVE_COPY.bindparams(lat=centre_ll[0], lon=centre_ll[1], km=RANGE_KM, listed=True),
        ),
        ("LIKE '%의자%' in range", like_statement(targets, "의자")),
        (
            "reference: the haversine SQL joining neighbourhoods",
            NAIVE_JOIN.bindparams(lat=centre_ll[0], lon=centre_ll[1], km=RANGE_KM, listed=True),
        ),
    ]
    async with db.sessions() as session:
        for label, statement in statements:
            report.plans.append((label, condense_plan(await explain(session, statement))))
    return centre_ll


async def measure_http(
    db: BenchDatabase, data_dir: Path, centre: tuple[float, float], args: argparse.Namespace
) -> list[str]:
    """Requests per second of the feed endpoint and of /healthz, from one real server."""
    server = start_server(db.url, data_dir)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            signup = await client.post(
                "/api/v1/auth/signup",
                json={
                    # A new account each run: the dataset may be a cached one.
                    "email": f"bench-http-{secrets.token_hex(4)}@example.com",
                    "nickname": f"벤치이웃{secrets.randbelow(10_000)}",
                    "password": "correct horse battery",
                },
            )
            signup.raise_for_status()
            auth = {"Authorization": f"Bearer {signup.json()['token']['access_token']}"}
            verified = await client.post(
                "/api/v1/me/neighbourhoods/verify",
                json={"neighbourhood_id": YEOKSAM, "latitude": centre[0], "longitude": centre[1]},
                headers=auth,
            )
            verified.raise_for_status()
            ranged = await client.put(
                f"/api/v1/me/neighbourhoods/{YEOKSAM}/range",
                json={"level": RANGE_LEVEL},
                headers=auth,
            )
            ranged.raise_for_status()
            page = await client.get("/api/v1/listings/feed", headers=auth)
            page.raise_for_status()
            items = len(page.json()["items"])
        feed = await throughput(
            server.url, "/api/v1/listings/feed", auth, args.concurrency, args.http_seconds
        )
        health = await throughput(server.url, "/healthz", None, args.concurrency, args.http_seconds)
    finally:
        stop_server(server)
    lines = [
        f"HTTP: one uvicorn worker; {args.concurrency} workers, each an httpx.AsyncClient with "
        f"one keep-alive HTTP/1.1 connection, {args.http_seconds:g} s per endpoint after 1 s of "
        f"warm-up; the load generator shares the {os.cpu_count()} cores with the server",
    ]
    for label, result in (
        (f"GET /api/v1/listings/feed ({items} cards, bearer)", feed),
        ("GET /healthz", health),
    ):
        lines.append(
            f"  {label:42} {result.per_second:9,.0f} req/s   latency p50 "
            f"{percentile(result.latencies, 0.5) * 1000:6.1f} ms, p99 "
            f"{percentile(result.latencies, 0.99) * 1000:6.1f} ms"
            + (f"   {result.errors} errors" if result.errors else "")
        )
    if feed.per_second and health.per_second:
        ratio = feed.per_second / health.per_second
        lines.append(
            f"  feed / healthz throughput: {ratio:.3f} (healthz serves {1 / ratio:.1f}x as many)"
        )
    return lines


BATCH = 20_000


async def read_places(url: str) -> list[list[str]]:
    db = Database(url)
    try:
        async with db.sessions() as session:
            rows = await session.execute(select(Neighbourhood.id, Neighbourhood.full_name))
            return regions([(nid, name) for nid, name in rows])
    finally:
        await db.dispose()


async def pg_execute(url: str, *statements: str) -> None:
    """Statements outside a transaction (VACUUM), on a plain asyncpg connection."""
    import asyncpg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    conn = await asyncpg.connect(
        host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=u.database
    )
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


NAIVE_TABLE = (
    "CREATE TABLE naive_listings AS SELECT l.id AS id, n.latitude AS latitude, "
    "n.longitude AS longitude, l.created_at AS created_at, l.is_listed AS is_listed "
    "FROM listings l JOIN neighbourhoods n ON n.id = l.neighbourhood_id"
)


def maintain(db: BenchDatabase, *statements: str) -> float:
    """Run maintenance statements (ANALYZE ...) outside the application; returns seconds."""
    started = time.perf_counter()
    if db.path is not None:
        conn = sqlite3.connect(db.path, isolation_level=None)
        try:
            for statement in statements:
                conn.execute(statement)
        finally:
            conn.close()
    else:
        asyncio.run(pg_execute(db.url, *statements))
    return time.perf_counter() - started


async def sizes(db: BenchDatabase) -> tuple[int, dict[str, int]]:
    database = Database(db.url)
    try:
        async with database.sessions() as session:
            total = await database_bytes(session, db)
            tables = await table_bytes(session, db, ["listings", "listing_terms"])
        return total, tables
    finally:
        await database.dispose()


def sqlite_math(dbapi_connection: Any, _record: object) -> None:
    """Python sin/cos/asin/sqrt/radians/power for a SQLite built without its math functions
    (slower than C: the baseline would look worse than it is; this build has them)."""
    for name, arity, function in (
        ("sin", 1, math.sin),
        ("cos", 1, math.cos),
        ("asin", 1, math.asin),
        ("sqrt", 1, math.sqrt),
        ("radians", 1, math.radians),
        ("power", 2, math.pow),
    ):
        dbapi_connection.create_function(name, arity, function, deterministic=True)


def sqlite_has_math(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        conn.execute("SELECT sin(1), asin(0.5), sqrt(2), radians(1), power(2, 2)")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


async def measure_queries(db: BenchDatabase, data_dir: Path, args: argparse.Namespace, report: EngineReport) -> tuple[float, float]:  # fmt: skip
    database = Database(db.url)
    if db.path is not None:
        if sqlite_has_math(db.path):
            report.notes.append("SQLite has its math functions built in (C): no Python UDFs")
        else:
            event.listen(database.engine.sync_engine, "connect", sqlite_math)
            report.notes.append("SQLite lacks math functions: Python UDFs (a slower baseline)")
    try:
        bench = Bench(database, LocalMediaStorage(data_dir / "media"), args.queries, args.baseline_queries)  # fmt: skip
        return await measure_engine(bench, report)
    finally:
        await database.dispose()


def say(message: str) -> None:
    print(message, flush=True)


def progress(label: str, batches: Iterator[Batch], every: int = 100_000) -> Iterator[Batch]:
    started = time.perf_counter()
    done, mark = 0, every
    for batch in batches:
        yield batch
        done += len(batch.listings)
        if done >= mark:
            say(f"[{label}]   {done:,} listings loaded ({time.perf_counter() - started:.0f} s)")
            mark += every


# -- the datasets, built once and cached ---------------------------------------------------

GENERATOR_VERSION = 3  # 3: listing_terms carry sort_at and is_listed (migration 0012)
"""Bump when generate(), the catalogue or a loader changes the rows: cached datasets are keyed
by it, by the arguments that shape the rows and by the source of listings/text.py (whose
document_terms makes the term rows)."""


def dataset_key(args: argparse.Namespace) -> str:
    digest = hashlib.sha256(Path(text_module.__file__).read_bytes()).hexdigest()[:8]
    return f"feed_v{GENERATOR_VERSION}_{args.listings}_{args.seed}_{args.users}_{digest}"


@dataclass
class Dataset:
    db: BenchDatabase
    notes: list[str]  # written when it was built
    built_now: bool


def generation_notes(stats: Stats, places: list[list[str]], users: int) -> list[str]:
    lengths = sorted(stats.description_lengths)
    regions_text = ", ".join(
        f"{label} {count / stats.listings:.0%} over {len(ids):,}"
        for (label, _), count, ids in zip(REGIONS, stats.per_region, places, strict=True)
    )
    return [
        f"{stats.listings:,} listings ({regions_text} neighbourhoods), {users:,} users",
        f"listing_terms rows (document_terms, as service._index): {stats.terms:,} "
        f"= {stats.terms / stats.listings:.1f} per listing",
        f"titles containing 의자: {stats.titles_with_chair / stats.listings:.2%}; description "
        f"length median {lengths[len(lengths) // 2]} chars, p90 "
        f"{lengths[int(len(lengths) * 0.9)]}",
    ]


def finish_dataset(db: BenchDatabase) -> list[str]:
    """ANALYZE (and VACUUM on PostgreSQL: index-only scans need the visibility map), sizes,
    then the naive baseline's table (made after the sizes, so they are the application's)."""
    what = "ANALYZE" if db.path is not None else "VACUUM (ANALYZE)"
    seconds = maintain(db, what)
    total, tables = asyncio.run(sizes(db))
    maintain(db, "DROP TABLE IF EXISTS naive_listings", NAIVE_TABLE, "ANALYZE naive_listings")
    say(f"[{db.label}] {what} in {seconds:.0f} s; database {human_bytes(total)}")
    return [
        f"{what}: {seconds:.0f} s",
        f"size on disk: {human_bytes(total)} (listings {human_bytes(tables['listings'])}, "
        f"listing_terms {human_bytes(tables['listing_terms'])}, with their indexes)",
    ]


def sqlite_dataset(args: argparse.Namespace, now: datetime) -> Dataset:
    """The SQLite file under the cache directory, generated unless it is there already."""
    key = dataset_key(args)
    path = args.cache / f"{key}.sqlite3"
    meta = args.cache / f"{key}.json"
    db = BenchDatabase("sqlite", f"sqlite+aiosqlite:///{path}", path=path)
    if path.exists() and meta.exists() and not args.rebuild:
        notes = json.loads(meta.read_text())["notes"]
        say(f"[SQLite] reusing the cached dataset {path}")
        return Dataset(db, [*notes, f"dataset reused from {path}"], False)
    meta.unlink(missing_ok=True)
    for leftover in sqlite_files(path):
        leftover.unlink(missing_ok=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    seconds = prepare_schema(db, args.cache / "var-build")
    say(f"[SQLite] migrated and loaded neighbourhoods (dongne geo load) in {seconds:.0f} s")
    places = asyncio.run(read_places(db.url))
    stats = Stats()

    def rows() -> Iterator[Batch]:
        batches = generate(args.listings, args.seed, places, args.users, now, BATCH, stats)
        return progress(db.label, batches)

    started = time.perf_counter()
    load_sqlite(path, rows, user_rows(args.users, now))
    load_seconds = time.perf_counter() - started
    say(f"[SQLite] generated and bulk-loaded {stats.listings:,} listings in {load_seconds:.0f} s")
    notes = [
        *generation_notes(stats, places, args.users),
        f"load (generation in Python + executemany + sorted term insert + index builds "
        f"+ VACUUM): {load_seconds:.0f} s, load average {os.getloadavg()[0]:.1f}",
        *finish_dataset(db),
    ]
    meta.write_text(json.dumps({"generated_at": now.isoformat(), "notes": notes}, indent=1))
    return Dataset(db, notes, True)


async def _pg_dataset_notes(url: str) -> list[str] | None:
    """The notes of a complete cached PostgreSQL dataset, or None."""
    import asyncpg

    u = make_url(url)
    try:
        conn = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password, database=u.database)  # fmt: skip
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        value = await conn.fetchval("SELECT notes FROM bench_dataset")
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await conn.close()
    return list(json.loads(value)) if value else None


def postgresql_dataset(args: argparse.Namespace, source: Dataset) -> Dataset:
    """A database of its own named after the dataset key, COPYed from the SQLite dataset
    unless a complete one is there already (marked by its bench_dataset row)."""
    key = dataset_key(args)
    url = make_url(PG_ADMIN_URL).set(database=key).render_as_string(hide_password=False)
    db = BenchDatabase("postgresql", url, name=key, admin_url=PG_ADMIN_URL)
    notes = None if args.rebuild else asyncio.run(_pg_dataset_notes(url))
    if notes is not None:
        say(f"[PostgreSQL] reusing the cached dataset (database {key})")
        return Dataset(db, [*notes, f"dataset reused from database {key}"], False)
    drop_database(db)
    create_database("postgresql", args.cache, name=key)
    seconds = prepare_schema(db, args.cache / "var-build")
    say(f"[PostgreSQL] migrated and loaded neighbourhoods in {seconds:.0f} s")
    started = time.perf_counter()
    assert source.db.path is not None
    asyncio.run(load_postgresql(url, source.db.path))
    load_seconds = time.perf_counter() - started
    say(f"[PostgreSQL] COPYed from SQLite and built the indexes in {load_seconds:.0f} s")
    notes = [
        *[n for n in source.notes if not n.startswith(("load ", "ANALYZE", "size ", "dataset "))],
        f"load (COPY of the SQLite dataset's rows + primary key and index builds): "
        f"{load_seconds:.0f} s, load average {os.getloadavg()[0]:.1f}",
        *finish_dataset(db),
    ]
    payload = json.dumps(notes).replace("'", "''")
    maintain(db, "CREATE TABLE bench_dataset (notes text)", f"INSERT INTO bench_dataset VALUES ('{payload}')")  # fmt: skip
    return Dataset(db, notes, True)


# -- one engine, start to end -------------------------------------------------------------


def run_engine(dataset: Dataset, args: argparse.Namespace, workdir: Path) -> EngineReport:
    db = dataset.db
    data_dir = workdir / f"var-{db.engine}"
    data_dir.mkdir(parents=True, exist_ok=True)
    report = EngineReport(db.label, notes=list(dataset.notes))
    say(f"\n[{db.label}] measuring on {db.url}")
    started = time.perf_counter()
    report.notes.append(f"load average before measuring: {os.getloadavg()[0]:.1f}")
    centre = asyncio.run(measure_queries(db, data_dir, args, report))
    say(f"[{db.label}] queries measured in {time.perf_counter() - started:.0f} s")
    if args.http_seconds > 0:
        report.http = asyncio.run(measure_http(db, data_dir, centre, args))
    report.notes.append(f"load average after measuring: {os.getloadavg()[0]:.1f}")
    print_report(report)
    return report


# -- output -------------------------------------------------------------------------------


def ratio_text(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:,.0f}x"


def target_text(row: Row) -> str:
    if row.target is None:
        return ""
    p50, p99, ratio = row.target
    return f"<={p50:g}/<={p99:g} ms, >={ratio:g}x"


def print_report(report: EngineReport) -> None:
    say(f"\n=== {report.label} ===")
    for note in report.notes:
        say(f"  {note}")
    say(f"\n  {'':60}{'runs':>5}{'p50 ms':>10}{'p99 ms':>10}{'ratio':>9}  {'target':24}verdict")
    for row in report.rows:
        label = f"  {row.label}" if row.kind == "baseline" else row.label
        ratio = ratio_text(row.ratio)
        say(
            f"  {label:60}{row.timing.runs:5d}{row.timing.p50_ms:10.2f}{row.timing.p99_ms:10.2f}"
            f"{ratio:>9}  {target_text(row):24}{row.verdict}"
        )
    say(
        "  (ratio = the baseline's p50 / ours; the feed's baseline is the fastest naive variant; "
        "ours include range_targets\n   (cached in process after its first call, as in the "
        "server) and a session per call, the baselines get the range or centre precomputed)"
    )
    if report.http:
        say("")
    for line in report.http:
        say(f"  {line}")
    for label, lines in report.plans:
        say(f"\n  plan: {label}")
        for line in lines:
            say(f"    {line}")


def print_summary(reports: list[EngineReport]) -> None:
    if not reports:
        return
    say("\n=== side by side: p50 / p99 ms (ratio to baseline) verdict ===")
    header = "".join(f"{r.label:>34}" for r in reports)
    say(f"  {'':60}{header}")
    for i, row in enumerate(reports[0].rows):
        cells = []
        for report in reports:
            other = report.rows[i]
            ratio = f" ({ratio_text(other.ratio)})" if other.ratio else ""
            cells.append(
                f"{other.timing.p50_ms:.2f} / {other.timing.p99_ms:.2f}{ratio} {other.verdict}".rjust(
                    34
                )
            )
        say(f"  {row.label:60}{''.join(cells)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=300, help="timed runs of each of ours")
    parser.add_argument(
        "--baseline-queries", type=int, default=30, help="timed runs of each baseline"
    )
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--http-seconds", type=float, default=10.0, help="0 skips HTTP")
    parser.add_argument(
        "--cache",
        type=Path,
        default=ROOT / "var" / "bench",
        help="where datasets are kept between runs (SQLite files; PostgreSQL databases are "
        "named after the same key)",
    )
    parser.add_argument("--rebuild", action="store_true", help="regenerate cached datasets")
    parser.add_argument(
        "--prepare-only", action="store_true", help="build (or find) the datasets, measure nothing"
    )
    args = parser.parse_args()
    # A benchmark stopped with SIGTERM still cleans up (the finally clauses run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("feed.py: terminated by SIGTERM"))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="dongne-bench-feed-"))
    now = datetime.now(UTC).replace(microsecond=0)
    say(
        f"feed and search benchmark: {args.listings:,} listings, engines {', '.join(engines)}, "
        f"{args.queries} runs of ours and {args.baseline_queries} of each baseline per measure"
    )
    say(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}; "
        f"dataset key {dataset_key(args)} under {args.cache}"
    )
    reports = []
    try:
        # PostgreSQL is loaded from the SQLite dataset: the same rows on both engines.
        source = sqlite_dataset(args, now)
        datasets = [source] if "sqlite" in engines else []
        if "postgresql" in engines:
            datasets.append(postgresql_dataset(args, source))
        if not args.prepare_only:
            for dataset in datasets:
                reports.append(run_engine(dataset, args, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_summary(reports)
    say(
        f"\ntotal {time.perf_counter() - started:.0f} s; load average at the end "
        f"{os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
