"""When a crashed child is started again, and when the launcher stops trying.

Pure: the caller passes the time of every crash, so tests need no clock and no sleeps.

- Every crash within the last ``window_seconds`` counts; older ones are forgotten, so a
  service that crashes now and then is restarted for ever, and one that crashes in a loop
  is not.
- The n-th counted crash waits ``backoff_base_seconds * 2**(n-1)``, at most
  ``backoff_max_seconds``, before the restart: a child that fails at once does not spin.
- A crash that would be restart number ``max_restarts + 1`` within the window is the end:
  the child is given up on.
"""

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_RESTARTS_VARIABLE = "CRM_LAUNCHER_MAX_RESTARTS"
WINDOW_VARIABLE = "CRM_LAUNCHER_RESTART_WINDOW_SECONDS"
BACKOFF_BASE_VARIABLE = "CRM_LAUNCHER_BACKOFF_BASE_SECONDS"
BACKOFF_MAX_VARIABLE = "CRM_LAUNCHER_BACKOFF_MAX_SECONDS"


@dataclass(frozen=True)
class RestartPolicy:
    # With these defaults a child that crashes at once is given up on after about 16 s of
    # back-off; the window leaves room for slow starts (a real service needs a few seconds)
    # so that such a loop still has six crashes inside it.
    max_restarts: int = 5
    window_seconds: float = 120.0
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 15.0

    def __post_init__(self) -> None:
        # Written as "not (valid)" so that a NaN, which fails every comparison, is refused.
        if not self.max_restarts >= 0:
            raise ValueError(f"{MAX_RESTARTS_VARIABLE} must be 0 or more")
        if not self.window_seconds > 0:
            raise ValueError(f"{WINDOW_VARIABLE} must be more than 0")
        if not self.backoff_base_seconds >= 0:
            raise ValueError(f"{BACKOFF_BASE_VARIABLE} must be 0 or more")
        if not self.backoff_max_seconds >= self.backoff_base_seconds:
            raise ValueError(f"{BACKOFF_MAX_VARIABLE} must be at least {BACKOFF_BASE_VARIABLE}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "RestartPolicy":
        """The policy the ``CRM_LAUNCHER_*`` variables describe; unset ones keep the default.
        Raises ValueError naming the variable when one is not a number or out of range."""
        default = cls()
        return cls(
            max_restarts=_int_setting(env, MAX_RESTARTS_VARIABLE, default.max_restarts),
            window_seconds=_float_setting(env, WINDOW_VARIABLE, default.window_seconds),
            backoff_base_seconds=_float_setting(
                env, BACKOFF_BASE_VARIABLE, default.backoff_base_seconds
            ),
            backoff_max_seconds=_float_setting(
                env, BACKOFF_MAX_VARIABLE, default.backoff_max_seconds
            ),
        )

    def delay_before(self, attempt: int) -> float:
        """Back-off before restart number ``attempt`` (1 for the first) within the window."""
        # min() on the exponent first: 2**attempt for a large attempt would overflow a float.
        doublings = min(attempt - 1, 64)
        return min(self.backoff_base_seconds * 2.0**doublings, self.backoff_max_seconds)

    # The wording of the launcher's log lines, shared by the services and the broker.

    def restart_note(self, restart: "Restart") -> str:
        return (
            f"restarting it in {restart.delay:g}s (attempt {restart.attempt} of "
            f"{self.max_restarts} within {self.window_seconds:g}s)"
        )

    def give_up_note(self, give_up: "GiveUp") -> str:
        times = "once" if give_up.crashes == 1 else f"{give_up.crashes} times"
        return f"it crashed {times} within {self.window_seconds:g}s"


@dataclass(frozen=True)
class Restart:
    attempt: int  # 1 for the first restart within the window
    delay: float  # seconds to wait before starting the child again


@dataclass(frozen=True)
class GiveUp:
    crashes: int  # crashes within the window, this one included


@dataclass
class CrashHistory:
    """The crashes of one child, and what to do about the newest one."""

    policy: RestartPolicy
    _crash_times: deque[float] = field(default_factory=deque, init=False)

    def record_crash(self, now: float) -> Restart | GiveUp:
        """Note a crash at ``now`` (seconds on any monotonic clock) and decide."""
        self._crash_times.append(now)
        while self._crash_times and self._crash_times[0] <= now - self.policy.window_seconds:
            self._crash_times.popleft()
        crashes = len(self._crash_times)
        if crashes > self.policy.max_restarts:
            return GiveUp(crashes)
        return Restart(attempt=crashes, delay=self.policy.delay_before(crashes))


def _int_setting(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    try:
        return int(text) if text else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None


def _float_setting(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    try:
        return float(text) if text else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {text!r}") from None
