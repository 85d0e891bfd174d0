"""Rate limits: in memory for one process, shared through the real Redis."""

from __future__ import annotations

import os
import secrets

import pytest

from dongne.kit.errors import RateLimited
from dongne.kit.ratelimit import RateLimits

REDIS_URL = os.environ.get("DONGNE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def test_memory_limits_count_per_key() -> None:
    limits = RateLimits(None)
    for _ in range(3):
        await limits.hit("3/minute", "login", "a@example.com")
    with pytest.raises(RateLimited) as raised:
        await limits.hit("3/minute", "login", "a@example.com")
    assert 1 <= raised.value.retry_after <= 60
    await limits.hit("3/minute", "login", "b@example.com")  # another key is unaffected


async def test_two_workers_share_one_budget_through_redis() -> None:
    prefix = f"dongne-test-{secrets.token_hex(4)}"
    worker_a = RateLimits(REDIS_URL, prefix=prefix)
    worker_b = RateLimits(REDIS_URL, prefix=prefix)
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
