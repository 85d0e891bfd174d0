"""A bounded schemathesis run over the whole /api/v1/openapi.json of the real
server (a real uvicorn on a real socket, tests/conftest.py), once anonymously and
once as a resident who has verified a neighbourhood, on the engine under test.

It must find no 5xx and no response that breaks the documented schema: a status
code the operation does not declare, a content type it does not declare, or a
body that does not match the declared schema. The run is deterministic
(``derandomize``): the same examples every time, ``EXAMPLES`` (3) per operation
(positive and negative data), without shrinking, so that its cost is bounded.
``DONGNE_FUZZ_EXAMPLES=25`` runs a deeper pass (several times longer).
"""

from __future__ import annotations

import itertools
import os
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

# Examples per operation, tuned to keep the run near a minute per engine on a
# 2-core CI machine (docs/security-checks.md has the measured cost).
EXAMPLES = int(os.environ.get("DONGNE_FUZZ_EXAMPLES", "3"))
# What must hold for every answer: no server error, and a body that matches the
# schema documented for its status.
MUST_HOLD = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
]
# And that every status code and content type is documented at all. Today's
# document omits the error responses (issue 13, low 7); those failures are
# gathered for test_every_answer_is_documented below instead of failing each
# operation, so that the checks above still run over every operation.
DOCUMENTED = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
]
UNDOCUMENTED: dict[str, str] = {}
FUZZED: list[str] = []

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


def _call_and_check(case: Case, server: Server, headers: dict[str, str]) -> None:
    response = case.call(base_url=server.url, headers=headers, timeout=30)
    FUZZED.append(case.operation.label)
    case.validate_response(response, checks=MUST_HOLD, headers=headers)
    try:
        case.validate_response(response, checks=DOCUMENTED, headers=headers)
    except BaseExceptionGroup as exc:
        key = f"{case.operation.label} → {response.status_code} {response.headers.get('content-type')}"
        UNDOCUMENTED.setdefault(key, str(exc).splitlines()[0])


@anonymous.parametrize()
@FUZZ_SETTINGS
def test_api_anonymously(case: Case, server: Server) -> None:
    _call_and_check(case, server, _headers())


@signed_in.parametrize()
@FUZZ_SETTINGS
def test_api_as_verified_resident(case: Case, server: Server, verified: Resident) -> None:
    _call_and_check(case, server, _headers(verified.auth))


def test_every_answer_is_documented(server: Server) -> None:
    """Every status code and content type the fuzzing met is in the document.
    Runs after the fuzzing above (pytest keeps the order of a module)."""
    if not FUZZED:
        pytest.skip("the fuzzing tests did not run in this session")
    assert not UNDOCUMENTED, "undocumented answers:\n" + "\n".join(sorted(UNDOCUMENTED))


def test_the_fuzzed_document_is_the_served_one(server: Server) -> None:
    """The run generates from the app's own document: the one the server serves."""
    served = httpx.get(f"{server.url}/api/v1/openapi.json", timeout=30)
    assert served.status_code == 200
    assert served.json() == inspected_app().openapi()


def test_a_sequence_cursor_beyond_32_bits_is_refused(server: Server) -> None:
    """Found by the fuzzing on PostgreSQL: ``after=2**63-2`` on a conversation's
    messages passed the id bound and reached a 32-bit column (500)."""
    from tests.chat.conftest import open_deal

    with httpx.Client(
        base_url=server.url, headers={"X-Forwarded-For": client_address()}, timeout=30
    ) as client:
        deal = open_deal(client)
        url = f"/api/v1/chats/{deal.conversation_id}/messages"
        for params in ({"after": 2**63 - 2}, {"before": 2**31}, {"after": 2**31}):
            r = client.get(url, params=params, headers=deal.buyer.auth)
            assert r.status_code == 422, (params, r.status_code, r.text)
        r = client.post(
            f"/api/v1/chats/{deal.conversation_id}/read",
            json={"seq": 2**31},
            headers=deal.buyer.auth,
        )
        assert r.status_code == 422, r.text
        assert (
            client.get(url, params={"after": 2**31 - 1}, headers=deal.buyer.auth).status_code == 200
        )
