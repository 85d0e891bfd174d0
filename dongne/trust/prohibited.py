"""Prohibited items (거래 금지 품목): what may not be sold between neighbours,
found in a listing's text or category, with the rule a seller reads.

The patterns run over the title and description with spaces removed and Latin
letters lowercased, so 콘택트 렌즈 and 콘택트렌즈 read alike. Each rule lists the
words that signal it and, where a word has an innocent use (와인잔, 진검승부,
강아지 옷), the context that clears it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.db import utcnow
from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_, gettext
from dongne.kit.templating import SEOUL
from dongne.listings.models import Listing

HEALTH_CATEGORY = "health"
# 건강기능식품 resale by individuals: at most this many listings and this much
# money (won) per seller per calendar year.
HEALTH_YEARLY_COUNT = 10
HEALTH_YEARLY_WON = 300_000


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # msgid
    why: str  # msgid


MEDICINE = Rule(
    "medicine",
    N_("의약품"),
    N_("의약품은 약사법에 따라 약국에서만 팔 수 있어요."),
)
CONTACT_LENS = Rule(
    "contact_lens",
    N_("콘택트렌즈"),
    N_("콘택트렌즈는 의료기기법에 따라 안경원에서만 팔 수 있어요."),
)
BLOOD_DONATION = Rule(
    "blood_donation",
    N_("헌혈증"),
    N_("헌혈증서는 사고팔 수 없어요(혈액관리법)."),
)
ALCOHOL = Rule(
    "alcohol",
    N_("주류"),
    N_("술은 면허 없이 개인이 팔 수 없어요(주세법). 빈 병이나 술잔은 괜찮아요."),
)
TOBACCO = Rule(
    "tobacco",
    N_("담배/전자담배"),
    N_("담배와 전자담배, 액상은 개인 간에 거래할 수 없어요(담배사업법)."),
)
WEAPON = Rule(
    "weapon",
    N_("도검/총포"),
    N_("도검, 총포, 화약류는 허가 없이 거래할 수 없어요(총포화약법)."),
)
LIVE_ANIMAL = Rule(
    "live_animal",
    N_("살아있는 동물 판매"),
    N_("반려동물을 포함한 살아있는 동물은 판매할 수 없어요(동물보호법). 용품은 괜찮아요."),
)
HOMEMADE_FOOD = Rule(
    "homemade_food",
    N_("수제 음식"),
    N_("직접 만든 음식은 영업 신고 없이 팔 수 없어요(식품위생법)."),
)
HEALTH_LIMIT = Rule(
    "health_food_limit",
    N_("건강기능식품 연간 한도 초과"),
    N_(
        "건강기능식품은 개봉하지 않은 제품만, 한 해에 10번·합계 30만 원까지 팔 수 있어요. "
        "올해 한도를 넘었어요."
    ),
)

RULES = (
    MEDICINE,
    CONTACT_LENS,
    BLOOD_DONATION,
    ALCOHOL,
    TOBACCO,
    WEAPON,
    LIVE_ANIMAL,
    HOMEMADE_FOOD,
    HEALTH_LIMIT,
)

_FOOD = (
    "음식|반찬|김치|떡|빵|쿠키|케이크|케익|과자|마카롱|식혜|수정과|장아찌|된장|고추장|간장|"
    "만두|초콜릿|초콜렛|샌드위치|피클|도시락|잼|청(?![소바])|식품|요리|밀키트"
)
_ANIMAL = (
    "강아지|고양이|새끼(?:고양이|강아지)?|햄스터|토끼|앵무새|고슴도치|기니피그|거북이|구피|"
    "열대어|금붕어|도마뱀|병아리|반려견|반려묘|페럿|다람쥐|냥이|포메라니안|말티즈|푸들|"
    "비숑|시츄|진돗개|리트리버|코숏|러시안블루|먼치킨|치와와|닥스훈트"
)
_PET_GOODS = (
    "옷|사료|장난감|하우스|켄넬|케이지|용품|간식|방석|목줄|하네스|유모차|이동장|캣타워|"
    "모래|급식기|급수기|샴푸|패드|울타리|인형|쿠션|침대|계단|어항|수조|사육장"
)

_PATTERNS: list[tuple[Rule, re.Pattern[str]]] = [
    (
        MEDICINE,
        re.compile(
            "의약품|처방약|처방전|비아그라|시알리스|타이레놀|게보린|펜잘|판피린|수면제|수면유도제|"
            "항생제|다이어트약|식욕억제제|위고비|삭센다|인슐린|피임약|탈모약|프로페시아|미녹시딜|"
            "진통제|해열제|감기약|소화제|상비약"
        ),
    ),
    (
        CONTACT_LENS,
        re.compile(
            "(?:콘|컨)(?:택|텍)트?렌즈|서클렌즈|컬러렌즈|원데이렌즈|소프트렌즈|하드렌즈|드림렌즈|"
            "난시렌즈|contactlens|아큐브|acuvue|오렌즈"
        ),
    ),
    (BLOOD_DONATION, re.compile("헌혈증")),
    (
        ALCOHOL,
        re.compile(
            "(?:소주|맥주|와인(?!딩)|위스키|양주(?![시역동읍면])|막걸리|사케|보드카|데킬라|샴페인|"
            "꼬냑|코냑|전통주|고량주|발렌타인\\d|조니워커|맥캘란|글렌피딕|로얄살루트|하이볼|"
            "whisky|whiskey|\\bwine\\b)"
            "(?!잔|글라스|셀러|냉장고|오프너|따개|컵|랙|거치대|디캔터|에어레이터|스토퍼|코르크|"
            "빈병|공병|병만|상자(?!째)|박스(?!째)|케이스|포스터|책|제조기|디스펜서|타워|장식장)"
        ),
    ),
    (
        TOBACCO,
        re.compile(
            "담배(?!케이스|꽁초)|궐련|니코틴|액상(?:담배|팟|카트리지)|아이코스|iqos|릴하이브리드|"
            "릴솔리드|글로하이퍼|쥴팟|juul|베이프|vape"
        ),
    ),
    (
        WEAPON,
        re.compile(
            "도검|총포|진검(?!승부)|일본도|장검|석궁|공기총|엽총|사냥총|가스총|전기충격기|실탄|화약|"
            "권총|소총|산탄"
        ),
    ),
    (
        HOMEMADE_FOOD,
        re.compile(f"(?:수제|홈메이드|직접만든|집에서만든|손수만든|제가만든|엄마표)(?:{_FOOD})"),
    ),
]
_ANIMAL_SALE = re.compile(
    f"(?:{_ANIMAL}).{{0,12}}(?:분양|책임비|입양비|판매|팝니다|팔아요)|"
    f"(?:분양|책임비|입양비).{{0,12}}(?:{_ANIMAL})"
)
_PET_GOODS_RE = re.compile(_PET_GOODS)
_HEALTH = re.compile(
    "건강기능식품|영양제|비타민|홍삼|유산균|프로바이오틱스|오메가3|루테인|밀크씨슬|콜라겐|"
    "프로폴리스|마그네슘|철분제|엽산"
)
_SPACES = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACES.sub("", text).lower()


def find_rule(title: str, description: str) -> Rule | None:
    """The first prohibited-item rule the text breaks (the yearly health-food
    limit needs the seller's history: see :func:`ensure_allowed`)."""
    text = _squash(f"{title}\n{description}")
    for rule, pattern in _PATTERNS:
        if pattern.search(text):
            return rule
    if _ANIMAL_SALE.search(text) and not _PET_GOODS_RE.search(_squash(title)):
        return LIVE_ANIMAL
    return None


def is_health_food(title: str, description: str, category: str) -> bool:
    return category == HEALTH_CATEGORY or _HEALTH.search(_squash(title)) is not None


class ProhibitedItem(DomainError):
    status = 422
    code = "prohibited_item"
    message = N_("거래 금지 품목이에요 (%(rule)s). %(why)s 내용을 고친 뒤 다시 올려 주세요.")

    def __init__(self, rule: Rule) -> None:
        super().__init__(field="description", rule=gettext(rule.name), why=gettext(rule.why))
        self.rule = rule


def _year_start(now: datetime) -> datetime:
    local = now.astimezone(SEOUL)
    return local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


async def ensure_allowed(
    db: AsyncSession,
    seller_id: int,
    title: str,
    description: str,
    category: str,
    price: int,
    *,
    listing_id: int | None = None,
) -> None:
    """Raise :class:`ProhibitedItem` if this listing may not be posted (or saved)."""
    rule = find_rule(title, description)
    if rule is not None:
        raise ProhibitedItem(rule)
    if not is_health_food(title, description, category):
        return
    # This year's health-food listings by the seller, deleted ones included (a
    # sale that happened still counts), the one being edited excluded.
    stmt = select(Listing.title, Listing.category, Listing.price).where(
        Listing.seller_id == seller_id, Listing.created_at >= _year_start(utcnow())
    )
    if listing_id is not None:
        stmt = stmt.where(Listing.id != listing_id)
    count, total = 1, price
    for t, c, p in await db.execute(stmt):
        if is_health_food(t, "", c):
            count += 1
            total += p
    if count > HEALTH_YEARLY_COUNT or total > HEALTH_YEARLY_WON:
        raise ProhibitedItem(HEALTH_LIMIT)


__all__ = ["RULES", "ProhibitedItem", "Rule", "ensure_allowed", "find_rule"]
