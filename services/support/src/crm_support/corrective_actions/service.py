"""Use cases of corrective actions: the review that opens one for each weak survey item of a
department (on a schedule, or asked), and tracking an action to done."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from crm_shared.contracts.support import CorrectiveActionState as State
from crm_shared.cursors import Slice, instant, position_of, slice_of, text
from crm_shared.db import UnitOfWork
from crm_shared.errors import NotFoundError
from crm_shared.preconditions import ExpectedVersion, check_version
from crm_shared.timers import Timer

from crm_support.corrective_actions import rules
from crm_support.corrective_actions.events import action_changed, action_opened
from crm_support.corrective_actions.models import CorrectiveAction
from crm_support.corrective_actions.repository import ActionQuery, CorrectiveActionRepository
from crm_support.db import FIRST_VERSION
from crm_support.settings import SupportSettings

REVIEW_SCHEDULE = "corrective-review"
SCHEDULE_ACTOR = "schedule"  # who opened what the weekly review found
CURSOR_FIELDS = (("opened_at", instant), ("id", text))


@dataclass(frozen=True)
class ActionChange:
    """The fields a PATCH sent (a field left out is not in ``fields``)."""

    fields: dict[str, Any]


async def review(uow: UnitOfWork, settings: SupportSettings, actor: str) -> list[CorrectiveAction]:
    """Open an action for each item that scored weak in a department over the last window
    of the current questionnaire version, unless one is open on it already (so reviewing
    twice opens nothing new). Returns the actions opened."""
    now = uow.clock.now()
    since = now - timedelta(days=settings.corrective_window_days)
    repository = CorrectiveActionRepository(uow.session)
    weak = await repository.weak_items_without_action(
        since=since,
        until=now,
        questionnaire_version=settings.survey_questionnaire_version,
        weak_mean=settings.corrective_weak_mean,
        min_answers=settings.corrective_min_answers,
    )
    opened = []
    for finding in weak:
        action = CorrectiveAction(
            id=str(uuid.uuid4()),
            department=finding.department,
            item=finding.item,
            questionnaire_version=settings.survey_questionnaire_version,
            state=State.OPEN.value,
            mean_score=round(finding.mean_score, 4),
            answers=finding.answers,
            window_start=since,
            window_end=now,
            weak_mean=settings.corrective_weak_mean,
            opened_by=actor,
            opened_at=now,
            version=FIRST_VERSION,
            updated_at=now,
        )
        repository.add(action)
        uow.record(action_opened(action))
        opened.append(action)
    await repository.flush()
    return opened


def review_handler(settings: SupportSettings) -> Any:
    """The weekly review, bound to the settings."""

    async def on_schedule(uow: UnitOfWork, timer: Timer) -> None:
        await review(uow, settings, SCHEDULE_ACTOR)

    return on_schedule


async def get_action(uow: UnitOfWork, action_id: str, *, lock: bool = False) -> CorrectiveAction:
    action = await CorrectiveActionRepository(uow.session).get(action_id, for_update=lock)
    if action is None:
        raise NotFoundError.of("corrective action", action_id)
    return action


async def search_actions(
    uow: UnitOfWork, query: ActionQuery, cursor: str | None, limit: int, *, count: bool = False
) -> Slice[CorrectiveAction]:
    repository = CorrectiveActionRepository(uow.session)
    rows = await repository.search(query, position_of(cursor, CURSOR_FIELDS), limit + 1)
    total = await repository.count(query) if count else None
    return slice_of(rows, limit, lambda row: (row.opened_at, row.id), CURSOR_FIELDS, total)


async def change_action(
    uow: UnitOfWork, action_id: str, change: ActionChange, expected: ExpectedVersion
) -> CorrectiveAction:
    """Change the owner, due date, plan or state (with the note a closing state needs);
    publishes CorrectiveActionChanged when anything changed."""
    action = await get_action(uow, action_id, lock=True)
    check_version(expected, action.version)
    sent = change.fields
    changed = sorted(name for name, value in sent.items() if getattr(action, name) != value)
    if not changed:
        return action
    current = State(action.state)
    rules.check_open(current)
    target = State(sent["state"]) if "state" in changed else None
    if target is not None:
        rules.check_move(current, target)
        note_field = rules.REQUIRED_NOTE.get(target)
        if note_field is not None:
            rules.check_note(target, sent.get(note_field, getattr(action, note_field)))
    for name in changed:
        setattr(action, name, sent[name])
    now = uow.clock.now()
    if target is not None and target not in rules.OPEN_STATES:
        action.closed_at = now
        changed.append("closed_at")
    action.touch(now)
    uow.record(action_changed(action, changed, current if target else None))
    return action
