"""Prohibited items: the rule that applies, the innocent look-alikes that pass,
and a refused listing leaves nothing behind."""

from __future__ import annotations

import httpx
import pytest

from dongne.trust.prohibited import find_rule
from tests.conftest import DatabaseUnderTest, query
from tests.listings.conftest import make_resident, post


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("타이레놀 새 거 팝니다", "medicine"),
        ("처방약 남은 거 나눔", "medicine"),
        ("아큐브 원데이 콘택트 렌즈 30개입", "contact_lens"),
        ("컬러렌즈 미개봉", "contact_lens"),
        ("헌혈증 5장 팝니다", "blood_donation"),
        ("발렌타인 30년 미개봉", "alcohol"),
        ("레드 와인 한 병", "alcohol"),
        ("막걸리 박스째", "alcohol"),
        ("전자담배 기기 팔아요", "tobacco"),
        ("일본도 장식용", "weapon"),
        ("공기총 팝니다", "weapon"),
        ("말티즈 분양합니다 책임비 있어요", "live_animal"),
        ("고양이 새끼 팝니다", "live_animal"),
        ("수제 쿠키 팔아요", "homemade_food"),
        ("집에서 만든 김치 팝니다", "homemade_food"),
    ],
)
def test_prohibited_items_are_recognised(text: str, rule: str) -> None:
    found = find_rule(text, "")
    assert found is not None and found.code == rule


@pytest.mark.parametrize(
    "text",
    [
        "와인잔 6개 세트",
        "위스키 잔 두 개",
        "맥주 컵 팝니다",
        "진검승부 보드게임",
        "캐논 렌즈 50mm",
        "강아지 옷 팝니다",
        "고양이 캣타워 나눔",
        "아파트 분양 광고 전단 책자",
        "수제 가방",
        "양주시 가구 무료나눔",
        "약과 선물세트",
        "담배케이스 가죽",
    ],
)
def test_innocent_lookalikes_pass(text: str) -> None:
    assert find_rule(text, "") is None


def test_a_prohibited_listing_is_refused_with_its_rule_and_nothing_is_saved(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    seller = make_resident(client, "역삼동")
    body = {
        "title": "와인 팝니다",
        "description": "선물받은 레드 와인이에요",
        "category": "food",
        "price": 20000,
    }
    r = client.post("/api/v1/listings", json=body, headers=seller.auth)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("거래 금지 품목이에요 (주류).")
    assert r.json()["errors"][0]["field"] == "description"
    assert query(database, "SELECT count(*) FROM listings WHERE seller_id = :id", id=seller.id) == [
        (0,)
    ]
    en = client.post(
        "/api/v1/listings", json=body, headers={**seller.auth, "Accept-Language": "en"}
    )
    assert en.status_code == 422 and "Alcohol" in en.json()["detail"]

    # The seller edits and retries.
    body["title"], body["description"] = "와인잔 세트", "크리스탈 와인잔 6개"
    r = client.post("/api/v1/listings", json=body, headers=seller.auth)
    assert r.status_code == 201, r.text

    # Editing an allowed listing into a prohibited one is refused too, and changes nothing.
    listing_id = r.json()["id"]
    edit = {**body, "description": "와인 한 병도 같이 드려요"}
    r = client.put(f"/api/v1/listings/{listing_id}", json=edit, headers=seller.auth)
    assert r.status_code == 422
    got = client.get(f"/api/v1/listings/{listing_id}", headers=seller.auth).json()
    assert got["description"] == "크리스탈 와인잔 6개"


def test_health_food_is_allowed_up_to_its_yearly_limit(client: httpx.Client) -> None:
    seller = make_resident(client, "역삼동")
    post(client, seller, title="홍삼정 미개봉", category="health", price=200_000)
    post(client, seller, title="종합 비타민 미개봉", category="health", price=90_000)
    r = client.post(
        "/api/v1/listings",
        json={"title": "유산균 미개봉", "category": "health", "price": 20_000},
        headers=seller.auth,
    )
    assert r.status_code == 422 and "건강기능식품 연간 한도 초과" in r.json()["detail"]
    # Something else from the same seller is fine.
    post(client, seller, title="원목 의자", category="furniture", price=20_000)
