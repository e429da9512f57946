"""Rate limits as a token bucket per caller: the rule, with no HTTP in it.

A :class:`Policy` allows ``quota`` units per ``window_seconds``. Each caller's bucket holds
at most ``quota`` units (the burst: a whole window's quota may be spent at once) and refills
continuously at ``quota / window_seconds`` per second. A request costs one unit; a bulk
operation costs its rows.

A cost larger than the bucket could never be paid at once, so a charge is allowed when the
bucket holds ``min(cost, quota)`` and may leave it in debt: a 20,000-row import at 600 per
minute is accepted with a full bucket, and its caller then waits until the debt is repaid.

Time comes from the injected :class:`~crm_shared.clock.Clock`, so tests move a ``FakeClock``
instead of sleeping. The buckets live in this process (one service instance); the map is
bounded: a bucket that has refilled is dropped (a fresh one is the same), and beyond
``max_callers`` the least recently used goes.
"""

import math
from collections import OrderedDict
from dataclasses import dataclass

from crm_shared.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class Policy:
    quota: int  # units per window, also the bucket's capacity
    window_seconds: int
    name: str = "default"

    def __post_init__(self) -> None:
        if self.quota < 1 or self.window_seconds < 1:
            raise ValueError("a policy allows at least one unit in a window of a second or more")

    @property
    def refill_per_second(self) -> float:
        return self.quota / self.window_seconds

    def refilled(self, seconds: float) -> float:
        """Units that come back in ``seconds`` (multiplied first: whole seconds give whole
        units where the rate allows, with no rounding error)."""
        return seconds * self.quota / self.window_seconds

    def seconds_for(self, units: float) -> int:
        """Whole seconds until ``units`` have come back."""
        return math.ceil(units * self.window_seconds / self.quota)

    @classmethod
    def per_minute(cls, per_minute: int, window_seconds: int, name: str = "default") -> "Policy":
        """``per_minute`` expressed over ``window_seconds`` (the burst is that window's
        share, at least one unit)."""
        return cls(max(1, per_minute * window_seconds // 60), window_seconds, name)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policy: Policy
    remaining: int  # whole units left now (0 while in debt)
    reset_seconds: int  # until the bucket is full again (refused: until the retry may pass)
    retry_after_seconds: int  # 0 when allowed


class TokenBucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens = tokens
        self.updated = now

    def refill(self, policy: Policy, now: float) -> None:
        elapsed = max(0.0, now - self.updated)  # a clock set back refills nothing
        self.tokens = min(policy.quota, self.tokens + policy.refilled(elapsed))
        self.updated = now

    def is_full(self, policy: Policy, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        return self.tokens + policy.refilled(elapsed) >= policy.quota

    def take(self, policy: Policy, cost: int, now: float, *, paid: int = 0) -> Decision:
        """Spend ``cost`` units, of which ``paid`` were already spent by this request."""
        self.refill(policy, now)
        needed = min(cost, policy.quota)
        allowed = self.tokens + paid >= needed
        if allowed:
            self.tokens -= cost - paid
        wait = 0 if allowed else max(1, policy.seconds_for(needed - self.tokens))
        until_full = policy.seconds_for(policy.quota - self.tokens)
        return Decision(
            allowed=allowed,
            policy=policy,
            remaining=max(0, math.floor(self.tokens)),
            reset_seconds=until_full if allowed else wait,
            retry_after_seconds=wait,
        )


class RateLimiter:
    """The buckets of one process, keyed by caller."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK, *, max_callers: int = 10_000) -> None:
        self.clock = clock
        self.max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[TokenBucket, Policy]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def charge(self, key: str, policy: Policy, cost: int = 1, *, paid: int = 0) -> Decision:
        """Spend ``cost`` units if the caller's bucket allows it (see the module)."""
        now = self.clock.now().timestamp()
        return self._bucket(key, policy, now).take(policy, cost, now, paid=paid)

    def spend(self, key: str, policy: Policy, units: int) -> None:
        """Spend ``units`` already consumed, allowed or not: the bucket may go into debt."""
        now = self.clock.now().timestamp()
        bucket = self._bucket(key, policy, now)
        bucket.refill(policy, now)
        bucket.tokens -= units

    def _bucket(self, key: str, policy: Policy, now: float) -> TokenBucket:
        self._forget_idle(now)
        entry = self._buckets.pop(key, None)
        bucket = entry[0] if entry is not None else TokenBucket(policy.quota, now)
        self._buckets[key] = (bucket, policy)  # most recently used last
        while len(self._buckets) > self.max_callers:
            self._buckets.popitem(last=False)
        return bucket

    def _forget_idle(self, now: float) -> None:
        """Drop refilled buckets from the least recently used end: cheap, and enough to keep
        the map at the callers active within about a window."""
        while self._buckets:
            key, (bucket, policy) = next(iter(self._buckets.items()))
            if not bucket.is_full(policy, now):
                return
            del self._buckets[key]
