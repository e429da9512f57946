"""The token bucket rule (crm_shared.ratelimit), on a fake clock: time moves, nobody sleeps."""

import pytest
from crm_shared.clock import FakeClock
from crm_shared.ratelimit import Policy, RateLimiter

TEN_PER_MINUTE = Policy(quota=10, window_seconds=60)  # refills one unit every 6 s


def spend_all(limiter: RateLimiter, key: str, policy: Policy) -> None:
    for _ in range(policy.quota):
        assert limiter.charge(key, policy).allowed


def test_a_full_bucket_allows_the_whole_quota_at_once_then_refuses() -> None:
    limiter = RateLimiter(FakeClock())
    remaining = [limiter.charge("ann", TEN_PER_MINUTE).remaining for _ in range(10)]
    assert remaining == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    refused = limiter.charge("ann", TEN_PER_MINUTE)
    assert not refused.allowed
    assert refused.remaining == 0
    assert refused.retry_after_seconds == 6  # one unit comes back every 6 s
    assert refused.reset_seconds == refused.retry_after_seconds


def test_the_bucket_refills_with_time_and_never_beyond_its_quota() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    spend_all(limiter, "ann", TEN_PER_MINUTE)
    clock.advance(seconds=5)
    assert not limiter.charge("ann", TEN_PER_MINUTE).allowed
    clock.advance(seconds=1)
    assert limiter.charge("ann", TEN_PER_MINUTE).allowed
    clock.advance(hours=1)
    after_an_hour = limiter.charge("ann", TEN_PER_MINUTE)
    assert after_an_hour.remaining == 9  # full (10) less this request, not 600 saved up
    assert after_an_hour.reset_seconds == 6


def test_a_cost_above_one_spends_that_many_units() -> None:
    limiter = RateLimiter(FakeClock())
    assert limiter.charge("ann", TEN_PER_MINUTE, cost=7).remaining == 3
    too_much = limiter.charge("ann", TEN_PER_MINUTE, cost=4)
    assert not too_much.allowed
    assert too_much.remaining == 3  # a refused charge spends nothing
    assert too_much.retry_after_seconds == 6
    assert limiter.charge("ann", TEN_PER_MINUTE, cost=3).allowed


def test_a_cost_above_the_quota_passes_on_a_full_bucket_and_leaves_a_debt() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    bulk = limiter.charge("ann", TEN_PER_MINUTE, cost=25)
    assert bulk.allowed
    assert bulk.remaining == 0
    assert bulk.reset_seconds == 25 * 6  # 15 owed plus 10 to fill up
    clock.advance(seconds=15 * 6 - 1)
    assert not limiter.charge("ann", TEN_PER_MINUTE).allowed
    clock.advance(seconds=7)
    assert limiter.charge("ann", TEN_PER_MINUTE).allowed


def test_a_unit_already_paid_by_the_request_counts_towards_its_bulk_cost() -> None:
    limiter = RateLimiter(FakeClock())
    assert limiter.charge("ann", TEN_PER_MINUTE).allowed  # the request's own unit
    bulk = limiter.charge("ann", TEN_PER_MINUTE, cost=10, paid=1)
    assert bulk.allowed
    assert bulk.remaining == 0


def test_spent_units_are_owed_even_when_the_bucket_is_empty() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.spend("ann", TEN_PER_MINUTE, 12)
    assert not limiter.charge("ann", TEN_PER_MINUTE).allowed
    clock.advance(seconds=2 * 6)
    assert not limiter.charge("ann", TEN_PER_MINUTE).allowed  # the debt is repaid, not more
    clock.advance(seconds=6)
    assert limiter.charge("ann", TEN_PER_MINUTE).allowed


def test_callers_have_buckets_of_their_own() -> None:
    limiter = RateLimiter(FakeClock())
    spend_all(limiter, "ann", TEN_PER_MINUTE)
    assert not limiter.charge("ann", TEN_PER_MINUTE).allowed
    assert limiter.charge("bob", TEN_PER_MINUTE).remaining == 9


def test_refilled_buckets_are_forgotten() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    for caller in range(100):
        limiter.charge(f"caller-{caller}", TEN_PER_MINUTE)
    assert len(limiter) == 100
    clock.advance(seconds=6)  # one unit back: every bucket is full again, as a new one
    limiter.charge("ann", TEN_PER_MINUTE)
    assert len(limiter) == 1


def test_the_map_of_buckets_is_bounded_least_recently_used_first() -> None:
    limiter = RateLimiter(FakeClock(), max_callers=3)
    for caller in ("ann", "bob", "cid"):
        limiter.charge(caller, TEN_PER_MINUTE, cost=10)
    limiter.charge("ann", TEN_PER_MINUTE)  # ann is the most recently used now
    limiter.charge("dan", TEN_PER_MINUTE)
    assert len(limiter) == 3
    assert not limiter.charge("ann", TEN_PER_MINUTE).allowed  # still remembered
    assert limiter.charge("bob", TEN_PER_MINUTE).allowed  # forgotten: a fresh bucket


def test_a_per_minute_limit_over_a_shorter_window_keeps_the_rate_and_shrinks_the_burst() -> None:
    policy = Policy.per_minute(600, window_seconds=10)
    assert (policy.quota, policy.window_seconds, policy.refill_per_second) == (100, 10, 10.0)
    assert Policy.per_minute(1, window_seconds=1).quota == 1


def test_a_policy_allows_something() -> None:
    with pytest.raises(ValueError, match="at least one unit"):
        Policy(quota=0, window_seconds=60)
