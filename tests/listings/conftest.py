"""Residents at known places: a seller in 역삼동, a neighbour next door, and
people far away, each verified by location through the API."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from PIL import Image

from tests.conftest import Account, DatabaseUnderTest, query, signup, unique

PLACES = {
    "역삼동": ("1168010100", 37.50007841, 127.0385488),
    "논현동": ("1168010800", 37.5115, 127.0283),
    "해운대 우동": ("2635010500", 35.1631, 129.1635),
    "수원 인계동": ("4111514100", 37.2650, 127.0310),  # about 27 km south of 역삼동
}


@dataclass
class Resident(Account):
    place: str = ""


def make_resident(client: httpx.Client, place: str, level: int = 2) -> Resident:
    acc = signup(client)
    nid, lat, lon = PLACES[place]
    r = client.post(
        "/api/v1/me/neighbourhoods/verify",
        json={"neighbourhood_id": nid, "latitude": lat, "longitude": lon},
        headers=acc.auth,
    )
    assert r.status_code == 200, r.text
    r = client.put(
        f"/api/v1/me/neighbourhoods/{nid}/range", json={"level": level}, headers=acc.auth
    )
    assert r.status_code == 200, r.text
    return Resident(acc.id, acc.email, acc.nickname, acc.password, acc.token, place)


@pytest.fixture
def resident(client: httpx.Client) -> Callable[..., Resident]:
    def make(place: str = "역삼동", level: int = 2) -> Resident:
        return make_resident(client, place, level)

    return make


def post(client: httpx.Client, who: Account, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": fields.pop("title", f"테스트 물건 {unique('')}"),
        "description": fields.pop("description", "상태 좋아요"),
        "category": fields.pop("category", "furniture"),
        "price": fields.pop("price", 10000),
    }
    body.update(fields)
    r = client.post("/api/v1/listings", json=body, headers=who.auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def feed_ids(client: httpx.Client, who: Account | None, **params: object) -> list[int]:
    headers = who.auth if who else {}
    r = client.get("/api/v1/listings/feed", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


def search_ids(client: httpx.Client, who: Account | None, q: str, **params: object) -> list[int]:
    headers = who.auth if who else {}
    r = client.get("/api/v1/listings/search", params={"q": q, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


def jpeg_with_gps() -> bytes:
    """A photo as a phone takes it: EXIF with the place it was taken."""
    image = Image.new("RGB", (640, 480), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    gps = {1: "N", 2: (37.0, 30.0, 0.28), 3: "E", 4: (127.0, 2.0, 18.8)}
    exif[0x8825] = gps
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def age(database: DatabaseUnderTest, listing_id: int) -> None:
    """As if the listing had been posted long ago (both the row and its postings)."""
    when: object = (
        datetime(2020, 1, 1, tzinfo=UTC)
        if database.dialect == "postgresql"
        else "2020-01-01 00:00:00.000000"
    )
    for table, column in (("listings", "id"), ("listing_terms", "listing_id")):
        extra = ", created_at = :t" if table == "listings" else ""
        query(database, f"UPDATE {table} SET sort_at = :t{extra} WHERE {column} = :i", t=when, i=listing_id)  # fmt: skip
