"""Business pages over HTTP (forms as a browser without scripts sends them)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.business.test_business_api import verified_shop
from tests.listings.conftest import Resident

Make = Callable[..., Resident]


def form(client: httpx.Client, who: Resident, url: str, **data: str) -> httpx.Response:
    return client.post(url, data=data, headers=who.auth, follow_redirects=False)


def test_open_a_profile_set_hours_and_post_news_through_the_forms(
    client: httpx.Client, resident: Make
) -> None:
    owner = resident("역삼동")
    r = form(client, owner, "/businesses/new", name="빵", category="", price_list="소금빵 | 비쌈")
    assert r.status_code == 422
    assert 'data-error-for="name">가게 이름은 2~40자로 입력해 주세요.' in r.text
    assert "2번째 줄" not in r.text and "1번째 줄" in r.text  # the price list's bad line

    r = form(
        client,
        owner,
        "/businesses/new",
        name="역삼 소금빵",
        category="cafe",
        address="역삼로 1",
        phone="02-555-0000",
        price_list="소금빵 | 3,500원\n식빵 | 5000 | 오전만",
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    assert re.fullmatch(r"/businesses/\d+", url)
    page = client.get(url, headers=owner.auth).text
    assert "역삼 소금빵" in page and "3,500원" in page and "오전만" in page
    assert 'data-testid="business-unverified"' in page
    # 문의하기 belongs to the inbox, which fills this slot (dongne/inbox/pages.py).
    assert f'hx-get="{url}/inquire-button"' in page
    assert "02-555-0000" in page  # the owner sees the number
    visitor = client.get(url).text
    assert "02-555-0000" not in visitor  # not shown to others unless the owner chooses
    assert 'data-testid="manage"' not in visitor and "영업시간 정보 없음" in visitor

    hours = f"{url}/hours"
    r = form(client, owner, hours, day0="9시부터", holidays="")
    assert r.status_code == 422 and 'data-error-for="day0"' in r.text
    r = form(client, owner, hours, day0="09:00-12:00, 11:00-13:00")
    assert r.status_code == 422 and "영업시간이 서로 겹쳐요." in r.text
    r = form(
        client,
        owner,
        hours,
        day0="09:00-12:00, 13:00-18:00",
        day4="18:00-02:00",
        holidays="2099-12-25",
    )
    assert r.status_code == 303
    page = client.get(url).text
    assert "09:00–12:00, 13:00–18:00" in page and "18:00–02:00 (다음 날)" in page
    assert "12/25" in page

    # News need a verified shop: the form says so instead of failing.
    assert 'data-testid="post-form"' not in client.get(url, headers=owner.auth).text


def test_news_strip_follow_button_and_staff_pages(client: httpx.Client, resident: Make) -> None:
    owner = resident("역삼동")
    shop = verified_shop(client, owner, name="논현 꽃집")
    url = f"/businesses/{shop['id']}"
    r = form(client, owner, f"{url}/posts", title="가", content="")
    assert r.status_code == 422 and 'data-error-for="title"' in r.text
    assert (
        form(client, owner, f"{url}/posts", title="튤립 들어왔어요", content="오늘만").status_code
        == 303
    )

    neighbour = resident("논현동", level=1)
    strip = client.get("/news/home", headers=neighbour.auth).text
    assert "튤립 들어왔어요" in strip and "논현 꽃집" in strip
    assert "튤립 들어왔어요" in client.get("/news", headers=neighbour.auth).text
    far = resident("수원 인계동", level=3)
    assert client.get("/news/home", headers=far.auth).text == ""

    r = client.post(
        f"{url}/follow", data={"following": "1"}, headers={**neighbour.auth, "HX-Request": "true"}
    )
    assert r.status_code == 200 and "단골 ✓" in r.text and "단골 1명" in r.text
    mine = client.get("/me/businesses", headers=neighbour.auth).text
    assert "논현 꽃집" in mine
    english = client.get(url, headers={**neighbour.auth, "Accept-Language": "en"}).text
    assert "Following ✓" in english
    assert "Opening hours" in english and "단골" not in english

    staff_page = client.get(f"{url}/staff", headers=owner.auth)
    assert staff_page.status_code == 200 and owner.nickname in staff_page.text
    r = form(client, owner, f"{url}/staff/invite", email="nope")
    assert r.status_code == 422 and "이메일 주소를 확인해 주세요." in r.text
    assert client.get(f"{url}/staff", headers=neighbour.auth).status_code == 403
    assert client.get(f"{url}/edit", headers=neighbour.auth).status_code == 403
