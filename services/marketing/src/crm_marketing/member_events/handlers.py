"""The member events' durable timer: the reminder before the event."""

from crm_shared.timers import TimerHandler

from crm_marketing.member_events import service

member_event_timers: dict[str, TimerHandler] = {service.REMINDER_TIMER: service.on_reminder_due}
