"""The lifecycle stages and the transitions allowed between them.

    from \\ to   potential  prospect      customer        lost
    (new)        created    created       created         created
    potential    -          engaged       converted       -
    prospect     -          -             converted       lost
    customer     -          -             -               lost
    lost         -          re_engaged    recovered       -

- ``potential -> customer`` is the walk-in purchase: bought without having been a prospect.
- ``prospect -> lost``: showed intent, then went elsewhere.
- ``lost -> customer`` is the recovery (a won-back customer), recorded as ``recovered``.
- ``lost -> prospect``: a lost customer shows intent again (e.g. answers a win-back offer).
- ``potential -> lost`` is refused: someone who never engaged has nothing to lose, and
  counting them as lost would inflate the churn rate.
- Nothing moves back to ``potential``, and a change to the current stage is no change.
A new record may start in any stage (an import brings historical customers as ``lost``).
"""

from crm_shared.contracts.customer import LifecycleStage

P, R, C, L = (
    LifecycleStage.POTENTIAL,
    LifecycleStage.PROSPECT,
    LifecycleStage.CUSTOMER,
    LifecycleStage.LOST,
)

TRANSITIONS: dict[tuple[LifecycleStage, LifecycleStage], str] = {
    (P, R): "engaged",
    (P, C): "converted",
    (R, C): "converted",
    (R, L): "lost",
    (C, L): "lost",
    (L, R): "re_engaged",
    (L, C): "recovered",
}


class TransitionRefusedError(ValueError):
    def __init__(self, current: LifecycleStage, target: LifecycleStage) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed_targets(current)
        allowed = ", ".join(self.allowed) or "none"
        super().__init__(
            f"a customer in stage {current} cannot move to {target}; "
            f"allowed from {current}: {allowed}"
        )


def allowed_targets(current: LifecycleStage) -> list[LifecycleStage]:
    return [target for (source, target) in TRANSITIONS if source == current]


def transition_name(current: LifecycleStage, target: LifecycleStage) -> str:
    """The name of the move (``recovered`` for a win-back); raises if it is not allowed."""
    name = TRANSITIONS.get((current, target))
    if name is None:
        raise TransitionRefusedError(current, target)
    return name


# How a transition moves the relationship phase (domain §2): a new customer starts in
# establishment, a won-back one is in recovery, a lost one has none. Others leave it alone.
PHASE_AFTER: dict[str, str | None] = {
    "converted": "establishment",
    "recovered": "recovery",
    "lost": None,
}
