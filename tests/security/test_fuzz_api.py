"""A bounded schemathesis run over the whole /api/v1/openapi.json of the real
server (a real uvicorn on a real socket, tests/conftest.py), once anonymously and
once as a resident who has verified a neighbourhood, on the engine under test.

It must find no 5xx and no response that breaks the documented schema: a status
code the operation does not declare, a content type it does not declare, or a
body that does not match the declared schema. The run is deterministic
(``derandomize``): the same examples every time, 25 per operation and mode
(positive and negative data), without shrinking, so that its cost is bounded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case, GenerationMode
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.conftest import Server
from tests.listings.conftest import Resident, make_resident
from tests.security.conftest import client_address, inspected_app

EXAMPLES = 25
# What the run checks: no server error, and each response as documented.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
# Streams never end by themselves: the anonymous run asks them (they must refuse at
# once); a signed-in caller would wait forever. Ending the session (logout, password
# change, account deletion) would turn the rest of the signed-in run anonymous.
STREAMS = r".*/stream$"
ENDS_SESSION = ["/api/v1/auth/logout", "/api/v1/me/password"]

_addresses = (
    f"10.{a}.{b}.{c}" for a, b, c in itertools.product(range(200, 250), range(250), range(1, 251))
)


def _schema() -> OpenApiSchema:
    schema = schemathesis.openapi.from_dict(inspected_app().openapi())
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
        deterministic=True,
        no_shrink=True,
    )
    return schema


anonymous = _schema()
signed_in = (
    _schema()
    .exclude(path_regex=STREAMS)
    .exclude(path=ENDS_SESSION)
    .exclude(method="DELETE", path="/api/v1/me")
)


@pytest.fixture(scope="module")
def verified(server: Server) -> Iterator[Resident]:
    with httpx.Client(
        base_url=server.url, headers={"X-Forwarded-For": client_address()}, timeout=30
    ) as client:
        yield make_resident(client, "역삼동")


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    # A new client address per request: per-address rate limits must not turn the
    # run into a wall of 429s (which would hide what lies behind them).
    return {"X-Forwarded-For": next(_addresses), **(extra or {})}


@anonymous.parametrize()
@FUZZ_SETTINGS
def test_api_anonymously(case: Case, server: Server) -> None:
    case.call_and_validate(base_url=server.url, headers=_headers(), checks=CHECKS, timeout=30)


@signed_in.parametrize()
@FUZZ_SETTINGS
def test_api_as_verified_resident(case: Case, server: Server, verified: Resident) -> None:
    case.call_and_validate(
        base_url=server.url, headers=_headers(verified.auth), checks=CHECKS, timeout=30
    )


def test_the_fuzzed_document_is_the_served_one(server: Server) -> None:
    """The run generates from the app's own document: the one the server serves."""
    served = httpx.get(f"{server.url}/api/v1/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == inspected_app().openapi()
