"""The attempt counters (payments/throttle.py) and the fail-soft cache under them, on a real Redis,
and on a Redis port where nothing listens."""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.cache import cache

from payments import throttle


@pytest.fixture
def key() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "payloan_site.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }  # Django rebuilds the cache connections when CACHES changes, and again when restored


def test_each_attempt_gets_its_own_number_and_the_window_ends(key):
    assert [throttle.take(key, window=1) for _ in range(3)] == [1, 2, 3]
    assert throttle.peek(key) == 3
    throttle.give_back(key)
    assert throttle.peek(key) == 2
    time.sleep(1.2)
    assert throttle.take(key, window=1) == 1  # a new window starts with its first attempt
    throttle.clear(key)
    assert throttle.peek(key) == 0


def test_attempt_within_a_rule(key):
    rule = throttle.Rule(limit=2, window=60)
    assert [throttle.attempt(key, rule, when_down=False) for _ in range(3)] == [True, True, False]


def test_without_redis_the_caller_decides_and_the_cache_is_a_miss(redis_down, key):
    with pytest.raises(throttle.ThrottleUnavailable):
        throttle.take(key, window=60)
    rule = throttle.Rule(limit=5, window=60)
    assert throttle.attempt(key, rule, when_down=False) is False  # a sign-in form: closed
    assert throttle.attempt(key, rule, when_down=True) is True  # an API read: open
    assert throttle.peek(key) == 0
    assert cache.get("anything", "fallback") == "fallback" and cache.set("k", 1) is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one /64
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("::ffff:203.0.113.9", "203.0.113.9", True),
        ("203.0.113.9", "203.0.113.10", False),
    ],
)
def test_address_keys(a, b, same):
    assert (throttle.address_key(a) == throttle.address_key(b)) is same


def test_the_cache_keeps_one_redis_client_per_pool(key):
    """Django builds a redis.Redis per operation; ours reuses it, and reads and writes still work."""
    backend = cache._cache
    assert backend.get_client(key, write=True) is backend.get_client(key)
    cache.set(key, {"a": 1}, timeout=5)
    assert cache.get(key) == {"a": 1}
    assert cache.delete(key) is True
    assert cache.get(key) is None
