"""The rules of corrective actions (DOMAIN.md §4): how one moves to done, and what a lost
complainant puts at risk."""

from decimal import ROUND_HALF_UP, Decimal

from crm_shared.contracts.support import CorrectiveActionState as State
from crm_shared.errors import ConflictError, InvalidError

CENT = Decimal("0.01")

MOVES: dict[State, tuple[State, ...]] = {
    State.OPEN: (State.IN_PROGRESS, State.DISMISSED),
    State.IN_PROGRESS: (State.DONE, State.DISMISSED),
    State.DONE: (),
    State.DISMISSED: (),
}
# An action in one of these still stands for its finding: the review opens no other.
OPEN_STATES = (State.OPEN, State.IN_PROGRESS)
# The note each closing state requires (the body's field).
REQUIRED_NOTE = {State.DONE: "resolution", State.DISMISSED: "dismissal_reason"}


def check_move(current: State, to: State) -> None:
    """ConflictError (with ``allowed``) unless ``current`` may move to ``to``."""
    allowed = [state.value for state in MOVES[current]]
    if to not in MOVES[current]:
        raise ConflictError(
            f"a corrective action {current.value} cannot become {to.value}; allowed: "
            f"{', '.join(allowed) or 'none'}",
            code="transition-not-allowed",
            allowed=allowed,
        )


def check_note(to: State, note: str | None) -> None:
    """Done needs its resolution, dismissed its reason (InvalidError naming the field)."""
    field = REQUIRED_NOTE.get(to)
    if field is not None and not (note and note.strip()):
        raise InvalidError(
            f"say why: an action becomes {to.value} only with its {field.replace('_', ' ')}",
            location=f"body.{field}",
            code="note-required",
        )


def check_open(state: State) -> None:
    """A done or dismissed action is history: it changes no more."""
    if state not in OPEN_STATES:
        raise ConflictError(
            f"the corrective action is {state.value}: it changes no more", code="action-closed"
        )


def value_at_risk(lifetime_value: Decimal, multiplier: float) -> Decimal:
    """What losing a complainant may cost: a customer's lifetime value for each of the
    people they tell (``multiplier``, DOMAIN.md: 10-20), to the cent."""
    if lifetime_value < 0:
        raise ValueError("a lifetime value is not negative")
    return (lifetime_value * Decimal(str(multiplier))).quantize(CENT, rounding=ROUND_HALF_UP)
