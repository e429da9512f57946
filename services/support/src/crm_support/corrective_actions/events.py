"""The events of corrective actions, with the action's snapshot."""

from crm_shared.contracts.support import (
    CorrectiveActionChanged,
    CorrectiveActionOpened,
    CorrectiveActionSnapshot,
    CorrectiveActionState,
)

from crm_support.corrective_actions.models import CorrectiveAction


def snapshot(action: CorrectiveAction) -> CorrectiveActionSnapshot:
    return CorrectiveActionSnapshot.model_validate(action, from_attributes=True)


def action_opened(action: CorrectiveAction) -> CorrectiveActionOpened:
    return CorrectiveActionOpened(record_id=action.id, action=snapshot(action))


def action_changed(
    action: CorrectiveAction, changed: list[str], from_state: CorrectiveActionState | None
) -> CorrectiveActionChanged:
    return CorrectiveActionChanged(
        record_id=action.id, changed_fields=changed, from_state=from_state, action=snapshot(action)
    )
