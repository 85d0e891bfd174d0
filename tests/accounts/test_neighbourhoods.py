"""동네 인증 and ranges through the API."""

from __future__ import annotations

import httpx

from tests.conftest import YEOKSAM, Account, DatabaseUnderTest, query, signup

YEOKSAM_ID, LAT, LON = YEOKSAM
NONHYEON = ("1168010800", 37.5115, 127.0283)  # 서울 강남구 논현동, next door
HAEUNDAE = ("2635010500", 35.1631, 129.1635)  # 부산 해운대구 우동, 325 km away


def verify(client: httpx.Client, acc: Account, nid: str, lat: float, lon: float) -> httpx.Response:
    return client.post(
        "/api/v1/me/neighbourhoods/verify",
        json={"neighbourhood_id": nid, "latitude": lat, "longitude": lon},
        headers=acc.auth,
    )


def test_reverse_geocoding_names_the_neighbourhood(client: httpx.Client) -> None:
    r = client.get("/api/v1/geo/reverse", params={"lat": LAT, "lon": LON})
    assert r.status_code == 200
    assert r.json() == {
        "id": "1168010100",
        "name": "역삼동",
        "full_name": "서울특별시 강남구 역삼동",
    }


def test_reverse_geocoding_outside_korea_or_nonsense_is_4xx(client: httpx.Client) -> None:
    tokyo = client.get("/api/v1/geo/reverse", params={"lat": 35.68, "lon": 139.69})
    assert tokyo.status_code == 422
    assert tokyo.json()["detail"] == "이 위치는 서비스 지역(대한민국의 동네) 밖이에요."
    for params in (
        {"lat": 91, "lon": 127},
        {"lat": "abc", "lon": 127},
        {"lat": "nan", "lon": 1},
        {},
    ):
        assert client.get("/api/v1/geo/reverse", params=params).status_code == 422


def test_verifying_at_home_sets_the_active_neighbourhood(
    client: httpx.Client, account: Account, database: DatabaseUnderTest
) -> None:
    r = verify(client, account, YEOKSAM_ID, LAT + 0.002, LON - 0.003)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["neighbourhood"]["name"] == "역삼동"
    assert body["verified"] is True and body["is_active"] is True
    assert body["range_level"] == 2
    # Exactly which neighbourhood is stored, never where the person stood.
    events = query(
        database,
        "SELECT name, properties FROM events WHERE user_id = :u ORDER BY id",
        u=account.id,
    )
    names = [e[0] for e in events]
    assert "neighbourhood_verified" in names
    assert all(str(LAT)[:6] not in str(e[1]) for e in events)
    columns = query(database, "SELECT * FROM user_neighbourhoods WHERE user_id = :u", u=account.id)
    assert all(str(LAT)[:6] not in str(c) for c in columns)


def test_verifying_from_elsewhere_is_refused_and_changes_nothing(
    client: httpx.Client, account: Account
) -> None:
    r = verify(client, account, YEOKSAM_ID, HAEUNDAE[1], HAEUNDAE[2])
    assert r.status_code == 422
    assert r.json()["detail"].startswith("현재 위치가 역삼동이(가) 아니에요.")
    assert client.get("/api/v1/me/neighbourhoods", headers=account.auth).json() == []


def test_unknown_neighbourhood_and_bad_coordinates_are_4xx(
    client: httpx.Client, account: Account
) -> None:
    assert verify(client, account, "9999999999", LAT, LON).status_code == 404
    assert verify(client, account, YEOKSAM_ID, 123.0, LON).status_code == 422
    assert (
        client.post(
            "/api/v1/me/neighbourhoods/verify",
            json={"neighbourhood_id": YEOKSAM_ID},
            headers=account.auth,
        ).status_code
        == 422
    )
    assert client.get("/api/v1/me/neighbourhoods", headers=account.auth).json() == []


def test_at_most_two_neighbourhoods_and_one_active(client: httpx.Client, account: Account) -> None:
    assert verify(client, account, YEOKSAM_ID, LAT, LON).status_code == 200
    assert verify(client, account, NONHYEON[0], NONHYEON[1], NONHYEON[2]).status_code == 200
    mine = client.get("/api/v1/me/neighbourhoods", headers=account.auth).json()
    assert [m["neighbourhood"]["id"] for m in mine if m["is_active"]] == [NONHYEON[0]]
    third = verify(client, account, HAEUNDAE[0], HAEUNDAE[1], HAEUNDAE[2])
    assert third.status_code == 409
    assert "최대 2개" in third.json()["detail"]
    back = client.post(f"/api/v1/me/neighbourhoods/{YEOKSAM_ID}/activate", headers=account.auth)
    assert back.status_code == 200 and back.json()["is_active"]
    mine = client.get("/api/v1/me/neighbourhoods", headers=account.auth).json()
    assert [m["neighbourhood"]["id"] for m in mine if m["is_active"]] == [YEOKSAM_ID]
    assert (
        client.delete(f"/api/v1/me/neighbourhoods/{YEOKSAM_ID}", headers=account.auth).status_code
        == 204
    )
    mine = client.get("/api/v1/me/neighbourhoods", headers=account.auth).json()
    assert [(m["neighbourhood"]["id"], m["is_active"]) for m in mine] == [(NONHYEON[0], True)]


def test_range_levels_grow_and_match_the_neighbourhood_counts(
    client: httpx.Client, account: Account, database: DatabaseUnderTest
) -> None:
    verify(client, account, YEOKSAM_ID, LAT, LON)
    detail = client.get(f"/api/v1/geo/neighbourhoods/{YEOKSAM_ID}").json()
    counts = detail["range_counts"]
    assert counts[0] == 1
    assert counts[0] < counts[1] < counts[2] < counts[3]
    seen = []
    for level in range(4):
        r = client.put(
            f"/api/v1/me/neighbourhoods/{YEOKSAM_ID}/range",
            json={"level": level},
            headers=account.auth,
        )
        assert r.status_code == 200
        seen.append(r.json()["range_count"])
    assert seen == counts
    assert (
        client.put(
            f"/api/v1/me/neighbourhoods/{YEOKSAM_ID}/range", json={"level": 4}, headers=account.auth
        ).status_code
        == 422
    )
    assert (
        client.put(
            f"/api/v1/me/neighbourhoods/{HAEUNDAE[0]}/range",
            json={"level": 1},
            headers=account.auth,
        ).status_code
        == 404
    )
    changes = query(
        database,
        "SELECT count(*) FROM events WHERE user_id = :u AND name = 'range_changed'",
        u=account.id,
    )
    assert changes[0][0] == 4
    # 논현동 borders 역삼동: it is inside the 2 km range, 해운대 is in none.
    near = query(
        database,
        "SELECT level FROM neighbourhood_ranges WHERE origin_id = :o AND target_id = :t",
        o=YEOKSAM_ID,
        t=NONHYEON[0],
    )
    assert near and near[0][0] <= 1
    assert not query(
        database,
        "SELECT level FROM neighbourhood_ranges WHERE origin_id = :o AND target_id = :t",
        o=YEOKSAM_ID,
        t=HAEUNDAE[0],
    )


def test_obsolete_jeonbuk_codes_are_not_offered_but_resolve(client: httpx.Client) -> None:
    found = client.get("/api/v1/geo/neighbourhoods", params={"q": "완주군 용진읍 구억리"}).json()
    assert [f["id"] for f in found] == ["5271025622"]
    assert found[0]["full_name"].startswith("전북특별자치도")
    old = client.get("/api/v1/geo/neighbourhoods/4571025622")
    assert old.status_code == 200 and old.json()["id"] == "5271025622"


def test_another_users_neighbourhood_cannot_be_touched(
    client: httpx.Client, account: Account
) -> None:
    verify(client, account, YEOKSAM_ID, LAT, LON)
    other = signup(client)
    r = client.put(
        f"/api/v1/me/neighbourhoods/{YEOKSAM_ID}/range", json={"level": 0}, headers=other.auth
    )
    assert r.status_code == 404
    mine = client.get("/api/v1/me/neighbourhoods", headers=account.auth).json()
    assert mine[0]["range_level"] == 2
