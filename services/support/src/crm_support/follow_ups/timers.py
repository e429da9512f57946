"""The follow-up calls' timer kinds (being built): ``{kind: handler factory}``."""

from collections.abc import Callable

from crm_shared.timers import AnyTimerHandler

from crm_support.settings import SupportSettings

FOLLOW_UP_TIMERS: dict[str, Callable[[SupportSettings], AnyTimerHandler]] = {}
