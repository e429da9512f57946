"""The timer kinds the support service handles: ``{kind: handler}`` (being built)."""

from crm_shared.timers import AnyTimerHandler

TIMER_HANDLERS: dict[str, AnyTimerHandler] = {}
