"""Rate limits: in memory for one process, shared through the real Redis."""

from __future__ import annotations

import secrets
import time

import pytest

from dongne.kit.errors import RateLimited
from dongne.kit.ratelimit import RateLimits


async def test_memory_limits_count_per_key() -> None:
    limits = RateLimits(None)
    for _ in range(3):
        await limits.hit("3/minute", "login", "a@example.com")
    with pytest.raises(RateLimited) as raised:
        await limits.hit("3/minute", "login", "a@example.com")
    assert 1 <= raised.value.retry_after <= 60
    await limits.hit("3/minute", "login", "b@example.com")  # another key is unaffected


async def test_two_workers_share_one_budget_through_redis(redis: str) -> None:
    prefix = f"dongne-test-{secrets.token_hex(4)}"
    worker_a = RateLimits(redis, prefix=prefix)
    worker_b = RateLimits(redis, prefix=prefix)
    await worker_a.hit("4/minute", "login-ip", "198.51.100.7")
    await worker_b.hit("4/minute", "login-ip", "198.51.100.7")
    await worker_a.hit("4/minute", "login-ip", "198.51.100.7")
    await worker_b.hit("4/minute", "login-ip", "198.51.100.7")
    with pytest.raises(RateLimited):
        await worker_a.hit("4/minute", "login-ip", "198.51.100.7")
    with pytest.raises(RateLimited):
        await worker_b.hit("4/minute", "login-ip", "198.51.100.7")
    await worker_a.clear("4/minute", "login-ip", "198.51.100.7")
    await worker_b.hit("4/minute", "login-ip", "198.51.100.7")
    await worker_a.close()
    await worker_b.close()


@pytest.mark.parametrize("exact", [True, False])
async def test_password_guessing_gets_exactly_its_budget_across_a_window_edge(
    monkeypatch: pytest.MonkeyPatch, exact: bool
) -> None:
    """Five wrong passwords just before a minute's edge and a sixth just after are six
    in a minute: an exact limit refuses it. The approximate counter (message budgets)
    weights the last window's hits and lets it through, which is why logins and
    sign-ups ask for ``exact``."""
    now = [60.0 * 29_000_000 - 0.1]  # a tenth of a second before a minute's edge
    monkeypatch.setattr(time, "time", lambda: now[0])
    limits = RateLimits(None)
    for _ in range(5):
        await limits.hit("5/minute", "login-account", "a@example.com", exact=exact)
    now[0] += 0.2
    if exact:
        with pytest.raises(RateLimited):
            await limits.hit("5/minute", "login-account", "a@example.com", exact=True)
    else:
        await limits.hit("5/minute", "login-account", "a@example.com")
