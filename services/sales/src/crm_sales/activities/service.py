"""Use cases of activities: schedule (with its reminder timer; a marketing campaign's call
too), read, list ("my overdue and today's"), change (the reminder moves with the due time),
complete (the reminder is cancelled; a lead's engagement and score go up), and the reminder
firing. Never commits.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.auth.access import EVERYTHING, RecordScope
from crm_shared.auth.tokens import Forbidden
from crm_shared.clock import day_of
from crm_shared.contracts.marketing import CallTaskRequested
from crm_shared.contracts.sales import (
    ActivityCompleted,
    ActivityDue,
    ActivityKind,
    ActivityScheduled,
)
from crm_shared.cursors import InvalidCursorError
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError, InvalidError, NotFoundError, UnknownReferenceError
from crm_shared.fields import ZONES
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.timers import Timer, cancel, schedule

from crm_sales.activities.events import snapshot_of
from crm_sales.activities.models import Activity
from crm_sales.activities.repository import ActivityQuery, ActivityRepository
from crm_sales.activities.rules import REMINDER_KIND, call_subject, needs_a_link, reminder_at
from crm_sales.activities.schemas import (
    ActivityCreate,
    ActivityFilter,
    ActivityUpdate,
    Due,
)
from crm_sales.db import FIRST_VERSION
from crm_sales.from_events import derived_id
from crm_sales.leads import service as leads
from crm_sales.leads.repository import LeadRepository
from crm_sales.settings import SalesSettings

LINKS = ("lead_id", "opportunity_id", "customer_id")
# Who scheduled a campaign's call (``created_by``), and the kind of its derived id.
MARKETING = "marketing"
CALL_TASK_ACTIVITY = "activity-of-call-task"


@dataclass(frozen=True)
class ActivityPage:
    items: list[Activity]
    next_cursor: dict[str, Any] | None
    total: int | None = None


async def load(uow: UnitOfWork, activity_id: str) -> Activity:
    activity = await ActivityRepository(uow.session).get(activity_id)
    if activity is None:
        raise NotFoundError.of("activity", activity_id)
    return activity


async def ensure_reachable(uow: UnitOfWork, activity_id: str, scope: RecordScope) -> None:
    if scope.everything:
        return
    if not await ActivityRepository(uow.session).reachable(activity_id, scope):
        raise NotFoundError.of("activity", activity_id)


async def get_activity(uow: UnitOfWork, activity_id: str, scope: RecordScope) -> Activity:
    await ensure_reachable(uow, activity_id, scope)
    return await load(uow, activity_id)


async def ensure_owner_assignable(uow: UnitOfWork, owner: str | None, scope: RecordScope) -> None:
    if scope.everything:
        return
    team = await ActivityRepository(uow.session).team_of(owner) if owner is not None else None
    if not scope.may_assign(owner, team):
        raise Forbidden(
            "you may make yourself the owner, leave the activity unowned, or (as a team's "
            "manager) give it to a member of your team",
            code="owner-not-assignable",
        )


async def _check_links(uow: UnitOfWork, activity: Activity, scope: RecordScope) -> None:
    """Every record the activity names exists (and the lead is within the caller's reach);
    a lead's or an opportunity's customer becomes the activity's when it names none."""
    if activity.lead_id is not None:
        lead = await LeadRepository(uow.session).get(activity.lead_id)
        if lead is None or not await LeadRepository(uow.session).reachable(lead.id, scope):
            raise UnknownReferenceError(
                f"lead {activity.lead_id} does not exist", location="body.lead_id"
            )
        activity.customer_id = activity.customer_id or lead.customer_id
    if activity.opportunity_id is not None:
        opportunity = await ActivityRepository(uow.session).opportunity(activity.opportunity_id)
        if opportunity is None:
            raise UnknownReferenceError(
                f"opportunity {activity.opportunity_id} does not exist",
                location="body.opportunity_id",
            )
        activity.customer_id = activity.customer_id or opportunity.customer_id
    if activity.customer_id is not None and not await LeadRepository(uow.session).customer(
        activity.customer_id
    ):
        raise UnknownReferenceError(
            f"customer {activity.customer_id} is not known to the sales service",
            location="body.customer_id",
        )
    if needs_a_link(ActivityKind(activity.kind)) and not any(
        getattr(activity, link) for link in LINKS
    ):
        raise InvalidError(
            f"a {activity.kind} is with someone: name its lead_id, opportunity_id or "
            "customer_id (only a task may stand alone)",
            location="body",
        )


async def _arm_reminder(uow: UnitOfWork, activity: Activity, settings: SalesSettings) -> None:
    """The reminder follows the due time: armed (or moved) for one, cancelled without."""
    if activity.due_at is None or activity.done:
        await cancel(uow, REMINDER_KIND, activity.id)
        return
    await schedule(
        uow,
        kind=REMINDER_KIND,
        key=activity.id,
        due_at=reminder_at(activity.due_at, settings.reminder_lead_minutes),
    )


def _scheduled(activity: Activity) -> ActivityScheduled:
    return ActivityScheduled(
        record_id=activity.id, customer_id=activity.customer_id, activity=snapshot_of(activity)
    )


async def create_activity(
    uow: UnitOfWork,
    body: ActivityCreate,
    settings: SalesSettings,
    *,
    actor: str,
    scope: RecordScope,
    activity_id: str | None = None,
) -> Activity:
    """``activity_id``: one derived from an event's key (a replay is the same activity);
    left out, a new one."""
    owner = body.owner if "owner" in body.model_fields_set else actor
    await ensure_owner_assignable(uow, owner, scope)
    now = uow.clock.now()
    activity = Activity(
        id=activity_id or str(uuid.uuid4()),
        kind=body.kind.value,
        subject=body.subject,
        owner=owner,
        due_at=body.due_at,
        done=False,
        lead_id=body.lead_id,
        opportunity_id=body.opportunity_id,
        customer_id=body.customer_id,
        created_by=actor,
        created_at=now,
        updated_at=now,
        version=FIRST_VERSION,
    )
    await _check_links(uow, activity, scope)
    ActivityRepository(uow.session).add(activity)
    await _arm_reminder(uow, activity, settings)
    uow.record(_scheduled(activity))
    return activity


async def schedule_call_task(
    uow: UnitOfWork, task: CallTaskRequested, settings: SalesSettings
) -> Activity | None:
    """A campaign asks for a call: the customer's owner's call activity (an unowned
    customer's goes to the shared pool), due when the campaign says, the script after the
    title in its subject as far as it fits. One activity per task (its id derives from the
    task's); nothing for a customer this view does not know or knows erased."""
    activity_id = derived_id(CALL_TASK_ACTIVITY, task.task_id)
    if await ActivityRepository(uow.session).get(activity_id) is not None:
        return None
    customer = await LeadRepository(uow.session).customer(task.customer_id)
    if customer is None or customer.get("status") != "active":
        return None
    body = ActivityCreate(
        kind=ActivityKind.CALL,
        subject=call_subject(task.title, task.script) or task.campaign_name,
        due_at=task.due_at,
        customer_id=str(customer["id"]),
        owner=customer.get("owner"),
    )
    return await create_activity(
        uow, body, settings, actor=MARKETING, scope=EVERYTHING, activity_id=activity_id
    )


async def patch_activity(
    uow: UnitOfWork,
    activity_id: str,
    body: ActivityUpdate,
    settings: SalesSettings,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> Activity:
    await ensure_reachable(uow, activity_id, scope)
    activity = await load(uow, activity_id)
    check_version(expected, activity.version)
    _ensure_open(activity)
    sent = body.model_fields_set
    if "owner" in sent:
        await ensure_owner_assignable(uow, body.owner, scope)
    changed = []
    for name in sorted(sent):
        value = getattr(body, name)
        if getattr(activity, name) != value:
            setattr(activity, name, value)
            changed.append(name)
    if not changed:
        return activity
    if any(link in changed for link in LINKS):
        await _check_links(uow, activity, scope)
    if "due_at" in changed:
        await _arm_reminder(uow, activity, settings)
    activity.touch(uow.clock.now())
    uow.record(_scheduled(activity))
    return activity


def _ensure_open(activity: Activity) -> None:
    if activity.done:
        raise ConflictError(
            f"activity {activity.id} is done; a done activity no longer changes",
            code="activity-done",
        )


async def complete_activity(
    uow: UnitOfWork,
    activity_id: str,
    outcome: str | None,
    settings: SalesSettings,
    expected: ExpectedVersion,
    scope: RecordScope,
) -> Activity:
    await ensure_reachable(uow, activity_id, scope)
    activity = await load(uow, activity_id)
    check_version(expected, activity.version)
    _ensure_open(activity)
    now = uow.clock.now()
    activity.done, activity.done_at, activity.outcome = True, now, outcome
    activity.touch(now)
    await cancel(uow, REMINDER_KIND, activity.id)
    uow.record(
        ActivityCompleted(
            record_id=activity.id, customer_id=activity.customer_id, activity=snapshot_of(activity)
        )
    )
    if activity.lead_id is not None:
        await leads.activity_done(uow, activity.lead_id, settings)
    return activity


async def on_reminder(uow: UnitOfWork, timer: Timer) -> None:
    """The reminder timer fired: ``ActivityDue`` once, unless the activity is done (or gone,
    or has no due time any more)."""
    activity = await ActivityRepository(uow.session).get(timer.key)
    if activity is None or activity.done or activity.due_at is None:
        return
    uow.record(
        ActivityDue(
            record_id=activity.id,
            customer_id=activity.customer_id,
            owner=activity.owner,
            due_at=activity.due_at,
            activity=snapshot_of(activity),
        )
    )


# --- lists -------------------------------------------------------------------------------


def _zone(name: str) -> str:
    """The HTTP edge refuses other zones already; a caller inside the service gets the same
    422 rather than a ZoneInfoNotFoundError."""
    if name not in ZONES:
        raise InvalidError(
            f"{name!r} is not an IANA time zone such as Europe/Berlin", location="query.tz"
        )
    return name


def query_of(filters: ActivityFilter, uow: UnitOfWork) -> ActivityQuery:
    now = uow.clock.now()
    values: dict[str, Any] = {name: getattr(filters, name) for name in ("owner", "done", *LINKS)}
    if filters.due == Due.OVERDUE:
        values.update(due_before=now, done=False)
    elif filters.due == Due.TODAY:
        today = day_of(now, _zone(filters.tz))
        values.update(due_from=today.start, due_before=today.end)
    return ActivityQuery(**values)


def mine_query(caller: str, tz: str, uow: UnitOfWork) -> ActivityQuery:
    """The caller's open activities that are overdue or due today (in ``tz``)."""
    today = day_of(uow.clock.now(), _zone(tz))
    return ActivityQuery(owner=caller, done=False, due_before=today.end)


async def search_activities(
    uow: UnitOfWork,
    query: ActivityQuery,
    cursor: dict[str, Any] | None,
    limit: int,
    scope: RecordScope,
    *,
    count: bool = False,
) -> ActivityPage:
    order = "due_at" if query.by_due_time else "created_at"
    after = _position(cursor, order)
    activities = ActivityRepository(uow.session)
    rows = await activities.search(query, after, limit + 1, scope)
    page = rows[:limit]
    following = None
    if len(rows) > limit:
        last = page[-1]
        following = {"order": order, "key": getattr(last, order).isoformat(), "id": last.id}
    total = await activities.count(query, scope) if count else None
    return ActivityPage(page, following, total)


def _position(cursor: dict[str, Any] | None, order: str) -> tuple[Any, str] | None:
    if cursor is None:
        return None
    if cursor.get("order") != order or not isinstance(cursor.get("id"), str):
        raise InvalidCursorError("the cursor belongs to another list; start again without one")
    try:
        return datetime.fromisoformat(str(cursor.get("key"))), cursor["id"]
    except ValueError as error:
        raise InvalidCursorError("the cursor is not one this API issued") from error
