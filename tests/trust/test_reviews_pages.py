"""The HTML side of deals and reviews over plain HTTP: forms that work without
scripts, refusals shown on the page in the user's language, never a 500."""

from __future__ import annotations

import httpx

from tests.chat.conftest import open_deal
from tests.listings.conftest import make_resident


def test_the_deal_and_review_forms_refuse_bad_input_on_the_page(client: httpx.Client) -> None:
    deal = open_deal(client)
    seller, buyer = deal.seller, deal.buyer
    stranger = make_resident(client, "역삼동")

    # Only the seller picks the buyer; the picker lists the people who chatted.
    assert client.get(f"/listings/{deal.listing_id}/deal", headers=buyer.auth).status_code == 404
    page = client.get(f"/listings/{deal.listing_id}/deal", headers=seller.auth)
    assert page.status_code == 200 and buyer.nickname in page.text
    r = client.post(f"/listings/{deal.listing_id}/deal", data={"buyer": "abc"}, headers=seller.auth)
    assert r.status_code == 422 and "구매자를 골라 주세요." in r.text
    r = client.post(
        f"/listings/{deal.listing_id}/deal", data={"buyer": str(stranger.id)}, headers=seller.auth
    )
    assert r.status_code == 422 and "이 글로 채팅한 사람 중에서 구매자를 골라 주세요." in r.text
    status = client.get(f"/api/v1/listings/{deal.listing_id}", headers=seller.auth).json()
    assert status["status"] == "selling"  # nothing changed

    r = client.post(
        f"/listings/{deal.listing_id}/deal", data={"buyer": str(buyer.id)}, headers=seller.auth
    )
    assert r.status_code == 303
    review_url = r.headers["location"]
    assert review_url.startswith("/deals/") and review_url.endswith("/review")

    assert client.get(review_url, headers=stranger.auth).status_code == 404
    # Items of the other kind are ignored by the form, so nothing is left: refused.
    r = client.post(review_url, data={"rating": "good", "items": ["late"]}, headers=buyer.auth)
    assert r.status_code == 422 and "매너 평가 항목을 하나 이상 골라 주세요." in r.text
    r = client.post(
        review_url,
        data={"rating": "good", "items": ["late"]},
        headers={**buyer.auth, "Accept-Language": "en"},
    )
    assert r.status_code == 422 and "Choose at least one manner item." in r.text
    r = client.post(
        review_url, data={"rating": "best", "items": ["kind", "punctual"]}, headers=buyer.auth
    )
    assert r.status_code == 303
    done = client.get(review_url, headers=buyer.auth)
    assert "후기를 보냈어요" in done.text
    r = client.post(review_url, data={"rating": "best", "items": ["kind"]}, headers=buyer.auth)
    assert r.status_code == 409 and "이 거래의 후기는 이미 보냈어요." in r.text

    profile = client.get(f"/users/{seller.id}")
    assert profile.status_code == 200
    assert "37.2°C" in profile.text  # 36.5 + 0.6 + 2 × 0.05, seen by a visitor too
    assert client.get("/users/987654321").status_code == 404
    purchases = client.get("/me/purchases", headers=buyer.auth)
    assert purchases.status_code == 200 and "원목 식탁 팝니다" in purchases.text
