"""The follow-up calls' timer kinds: ``{kind: handler factory}``."""

from collections.abc import Callable

from crm_shared.timers import AnyTimerHandler

from crm_support.follow_ups import service
from crm_support.settings import SupportSettings


def _on_due(settings: SupportSettings) -> AnyTimerHandler:
    return service.on_due


FOLLOW_UP_TIMERS: dict[str, Callable[[SupportSettings], AnyTimerHandler]] = {
    service.DUE_KIND: _on_due,
}
