"""Every id a client sends is the shared :data:`dongne.kit.ids.Id` type, so a
number beyond 64 bits never reaches the database driver (which fails with an
overflow: a 500). A path id out of range names nothing: 404. A body, form or
query id out of range is invalid input: 422."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from pydantic import BaseModel, TypeAdapter, ValidationError

from dongne.app import create_app
from dongne.config import Settings
from dongne.kit.ids import MAX_ID
from tests.conftest import Account, Server

ID_NAME = re.compile(r"^(id|.+_id|.+_ids)$")


def _mentions_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(_mentions_int(a) for a in typing.get_args(annotation))


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin is Annotated:
        return _is_list(typing.get_args(annotation)[0])
    return origin in (list, set, tuple, frozenset)


def _refuses(annotation: Any, metadata: list[Any], bad_values: tuple[int, ...]) -> bool:
    adapter: TypeAdapter[Any] = TypeAdapter(
        Annotated[annotation, *metadata] if metadata else annotation
    )
    many = _is_list(annotation)
    for bad in bad_values:
        try:
            adapter.validate_python([bad] if many else bad)
        except ValidationError:
            continue
        return False
    return True


def _accepts(annotation: Any, metadata: list[Any], value: int) -> bool:
    adapter: TypeAdapter[Any] = TypeAdapter(
        Annotated[annotation, *metadata] if metadata else annotation
    )
    try:
        adapter.validate_python([value] if _is_list(annotation) else value)
    except ValidationError:
        return False
    return True


def _model_fields(model: type[BaseModel], where: str, seen: set[type]) -> Iterator[tuple]:
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield f"{where}.{name}", name, info.annotation, list(info.metadata)
        for inner in _models_in(info.annotation):
            yield from _model_fields(inner, f"{where}.{name}", seen)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _inputs(app: Any) -> Iterator[tuple[str, str, Any, list[Any]]]:
    """(where, name, annotation, metadata) of every input of every route."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute | APIWebSocketRoute):
            continue
        dep = route.dependant
        stack = [dep]
        while stack:
            d = stack.pop()
            stack.extend(d.dependencies)
            for param in (*d.path_params, *d.query_params, *d.body_params, *d.header_params):
                info = param.field_info
                where = f"{route.path} {param.name}"
                yield where, param.name, info.annotation, list(info.metadata)
                seen: set[type] = set()
                for model in _models_in(info.annotation):
                    yield from _model_fields(model, where, seen)


def test_every_id_a_client_sends_is_the_shared_id_type() -> None:
    app = create_app(Settings(env="test"))
    checked, wrong = 0, []
    for where, name, annotation, metadata in _inputs(app):
        if not ID_NAME.match(name) or not _mentions_int(annotation):
            continue
        checked += 1
        # Last-Event-ID counts from 0 (nothing seen yet); every other id from 1.
        bad = (MAX_ID + 1, 2**70) if name == "last_event_id" else (0, MAX_ID + 1, 2**70)
        if not _refuses(annotation, metadata, bad) or not _accepts(annotation, metadata, MAX_ID):
            wrong.append(where)
    assert not wrong, f"ids that are not dongne.kit.ids.Id: {wrong}"
    assert checked > 60  # the walk found the app's ids (about 170 today)


def test_every_whole_number_a_client_sends_fits_in_64_bits() -> None:
    """Cursors, counts and limits too: a number the database cannot hold is 422."""
    app = create_app(Settings(env="test"))
    wrong = [
        where
        for where, _name, annotation, metadata in _inputs(app)
        if _mentions_int(annotation) and not _refuses(annotation, metadata, (MAX_ID + 1,))
    ]
    assert not wrong, f"whole numbers without an upper bound: {wrong}"


TOO_BIG = str(2**63)

PATHS = [
    "/api/v1/listings/{}",
    "/api/v1/listings/{}/related",
    "/api/v1/users/{}/profile",
    "/api/v1/businesses/{}",
    "/api/v1/businesses/{}/reviews",
    "/api/v1/businesses/{}/reviews/1",
    "/api/v1/chats/{}",
    "/api/v1/help/articles/{}",
    "/api/v1/inquiries/{}",
    "/api/v1/inboxes/{}/conversations",
    "/listings/{}",
    "/users/{}",
    "/businesses/{}",
    "/chats/{}",
    "/help/articles/{}",
]


@pytest.mark.parametrize("path", PATHS)
def test_an_id_beyond_64_bits_in_a_path_is_not_found(
    client: httpx.Client, account: Account, path: str
) -> None:
    for headers in ({}, account.auth):
        response = client.get(path.format(TOO_BIG), headers=headers)
        assert response.status_code in (401, 404), (path, response.status_code, response.text)
        if path.startswith("/api/"):
            assert response.headers["content-type"].startswith("application/problem+json")
        elif response.status_code == 404:
            assert response.headers["content-type"].startswith("text/html")
        zero = client.get(path.format(0), headers=headers)
        assert zero.status_code in (401, 404), (path, zero.status_code)


def test_an_id_beyond_64_bits_in_a_body_is_invalid(
    client: httpx.Client, account: Account, server: Server
) -> None:
    cases = [
        ("/api/v1/reports", {"target": "listing", "target_id": 2**63, "reason": "spam"}),
        ("/api/v1/reports", {"target": "user", "target_id": 2**70, "reason": "spam"}),
        (
            "/api/v1/listings",
            {
                "title": "자전거",
                "description": "타던 자전거",
                "price": 1000,
                "category": "sports",
                "photo_ids": [2**70],
            },
        ),
    ]
    for path, body in cases:
        response = client.post(path, json=body, headers=account.auth)
        assert response.status_code == 422, (path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    # A query id out of range is invalid input too; a page answers with its error page.
    page = client.get(f"/reports/new?target=listing&id={TOO_BIG}", headers=account.auth)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    api = client.get(f"/api/v1/chats/1/messages?before={TOO_BIG}", headers=account.auth)
    assert api.status_code == 422
    assert "Traceback" not in server.log.read_text()
