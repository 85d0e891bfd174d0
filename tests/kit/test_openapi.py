"""The OpenAPI document declares the errors each operation can answer with
(problem+json) and the limits of its inputs, so generated clients and fuzzers
see what the server really does."""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM_REF = "#/components/schemas/Problem"


def _problem_response(operation: dict[str, Any], code: str) -> bool:
    response = operation.get("responses", {}).get(code, {})
    schema = response.get("content", {}).get("application/problem+json", {}).get("schema", {})
    return schema.get("$ref") == PROBLEM_REF


def test_every_operation_declares_its_errors(client: httpx.Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert set(document["components"]["schemas"]["Problem"]["required"]) >= {"status", "detail"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    operations = [
        (f"{method.upper()} {path}", op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    ]
    assert len(operations) > 100
    missing_422 = [name for name, op in operations if not _problem_response(op, "422")]
    assert not missing_422, missing_422
    authenticated = [(name, op) for name, op in operations if op.get("security")]
    missing_401 = [name for name, op in authenticated if not _problem_response(op, "401")]
    assert not missing_401, missing_401
    # Whatever belongs to the caller is among the authenticated ones.
    mine = [name for name, _ in operations if " /api/v1/me" in name]
    assert mine and set(mine) <= {name for name, _ in authenticated}
    with_ids = [name for name, op in operations if "_id}" in name]
    assert all(_problem_response(op, "404") for name, op in operations if name in with_ids)


def test_limits_are_in_the_document(client: httpx.Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    listing = document["paths"]["/api/v1/listings/{listing_id}"]["get"]
    (path_id,) = [p for p in listing["parameters"] if p["name"] == "listing_id"]
    assert path_id["schema"]["minimum"] == 1
    assert path_id["schema"]["maximum"] == 2**63 - 1
    title = document["components"]["schemas"]["ListingIn"]["properties"]["title"]
    assert title["maxLength"] > 0
    assert "\\u0000" in title["pattern"]


def test_a_real_error_has_the_declared_shape(client: httpx.Client) -> None:
    refused = client.post("/api/v1/auth/token", json={"email": 3})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert all({"field", "message"} <= set(e) for e in body["errors"])
