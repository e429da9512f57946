"""Use cases of an opportunity: open, read, change, move through the stages. Never commits.

Every change is one step: ``opportunity.touch(now)`` (the next version) and its event with
that version at once. A PATCH that changes fields, the stage and the probability override
together makes up to three steps, in that order (``OpportunityChanged``,
``OpportunityStageChanged``, ``OpportunityChanged``), so that the stage event carries the new
amount and an override sent with a stage move survives the move's reset.

Reading lists and history: :mod:`crm_sales.opportunities.search`. Other aggregates call
:func:`open_opportunity` and :func:`attach_customer` (a lead's conversion) and
:func:`close_won` (an accepted quote).
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from crm_shared.auth.access import RecordScope
from crm_shared.auth.tokens import Forbidden
from crm_shared.contracts.sales import (
    OpportunityOpened,
    OpportunityStage,
    OpportunityStageChanged,
)
from crm_shared.db import UnitOfWork
from crm_shared.errors import NotFoundError, UnknownReferenceError
from crm_shared.preconditions import ExpectedVersion, check_version

from crm_sales.db import FIRST_VERSION
from crm_sales.opportunities import rules
from crm_sales.opportunities.events import record_change, snapshot_of
from crm_sales.opportunities.models import Opportunity, StageChange
from crm_sales.opportunities.repository import OpportunityRepository
from crm_sales.opportunities.schemas import (
    OpportunityCreate,
    OpportunityUpdate,
)
from crm_sales.settings import SalesSettings

# The plain fields a PATCH sets as sent (the stage, the loss reason and the probability
# have rules of their own).
PLAIN_FIELDS = ("name", "amount", "currency", "owner", "expected_close_date", "competitor")


def _reweigh(opportunity: Opportunity) -> list[str]:
    weighted = rules.weighted_amount(opportunity.amount, opportunity.probability)
    if weighted == opportunity.weighted_amount:
        return []
    opportunity.weighted_amount = weighted
    return ["weighted_amount"]


# -- opening, and what other aggregates call ------------------------------------------------


async def open_opportunity(
    uow: UnitOfWork,
    settings: SalesSettings,
    *,
    name: str,
    amount: Decimal,
    currency: str | None,
    customer_id: str | None,
    lead_id: str | None,
    owner: str | None,
    actor: str | None,
    stage: OpportunityStage = OpportunityStage.CONTACT,
    expected_close_date: date | None = None,
    competitor: str | None = None,
) -> Opportunity:
    """A new opportunity at an open ``stage`` with the stage's probability, its first
    history row, and ``OpportunityOpened``."""
    if not rules.is_open(stage):
        raise rules.refused(
            f"an opportunity opens at an open stage, not {stage.value}; close it afterwards"
        )
    now = uow.clock.now()
    probability = rules.stage_probability(stage, settings.stage_probabilities)
    amount = amount.quantize(rules.CENT)
    opportunity = Opportunity(
        id=str(uuid.uuid4()),
        version=FIRST_VERSION,
        name=name,
        customer_id=customer_id,
        lead_id=lead_id,
        owner=owner,
        stage=stage.value,
        probability=probability,
        probability_overridden=False,
        amount=amount,
        currency=(currency or settings.default_currency).upper(),
        weighted_amount=rules.weighted_amount(amount, probability),
        expected_close_date=expected_close_date,
        competitor=competitor,
        stage_entered_at=now,
        created_at=now,
        updated_at=now,
    )
    repository = OpportunityRepository(uow.session)
    repository.add(opportunity)
    repository.add_change(
        StageChange(
            opportunity_id=opportunity.id,
            from_stage=None,
            to_stage=stage.value,
            probability=probability,
            reason="opened",
            changed_by=actor,
            changed_at=now,
        )
    )
    uow.record(
        OpportunityOpened(
            record_id=opportunity.id,
            customer_id=customer_id,
            opportunity=snapshot_of(opportunity),
        )
    )
    return opportunity


async def attach_customer(
    uow: UnitOfWork, opportunity_id: str, customer_id: str
) -> Opportunity | None:
    """Set the customer of an opportunity that has none yet (a converted lead's, once the
    customer master answered). None when nothing changed (no such opportunity, or it has a
    customer already: a redelivered answer changes nothing)."""
    opportunity = await OpportunityRepository(uow.session).get(opportunity_id)
    if opportunity is None or opportunity.customer_id is not None:
        return None
    opportunity.customer_id = customer_id
    record_change(uow, opportunity, ["customer_id"])
    return opportunity


async def close_won(
    uow: UnitOfWork,
    settings: SalesSettings,
    opportunity_id: str,
    actor: str | None,
    reason: str | None,
) -> Opportunity | None:
    """Move an open opportunity to won (an accepted quote). None, and nothing changes, when
    there is no such opportunity or it is closed already (won, or lost: a quote accepted
    after the deal was given up does not silently reopen it)."""
    opportunity = await OpportunityRepository(uow.session).get(opportunity_id)
    if opportunity is None or not rules.is_open(opportunity.stage):
        return None
    move_stage(uow, settings, opportunity, OpportunityStage.WON, actor=actor, reason=reason)
    return opportunity


def move_stage(
    uow: UnitOfWork,
    settings: SalesSettings,
    opportunity: Opportunity,
    target: OpportunityStage,
    *,
    actor: str | None,
    reason: str | None,
    loss_reason: str | None = None,
) -> None:
    """One stage move (checked with :func:`rules.check_move` by the caller): the stage's
    probability (an override is reset, and the history says so), closing or reopening, the
    history row with the time spent in the stage left, and ``OpportunityStageChanged``."""
    now = uow.clock.now()
    current = OpportunityStage(opportunity.stage)
    notes = [reason or (loss_reason if target == OpportunityStage.LOST else None)]
    if opportunity.probability_overridden:
        notes.append(rules.OVERRIDE_RESET)
    opportunity.stage = target.value
    opportunity.probability = rules.stage_probability(target, settings.stage_probabilities)
    opportunity.probability_overridden = False
    opportunity.probability_override_reason = None
    _reweigh(opportunity)
    if rules.is_open(target.value):
        opportunity.closed_at = None
        opportunity.loss_reason = None  # a reopened deal is not lost; the history keeps why
    else:
        opportunity.closed_at = now
        opportunity.loss_reason = loss_reason if target == OpportunityStage.LOST else None
    seconds = max((now - opportunity.stage_entered_at).total_seconds(), 0.0)
    opportunity.stage_entered_at = now
    OpportunityRepository(uow.session).add_change(
        StageChange(
            opportunity_id=opportunity.id,
            from_stage=current.value,
            to_stage=target.value,
            probability=opportunity.probability,
            seconds_in_from_stage=seconds,
            reason="; ".join(note for note in notes if note) or None,
            changed_by=actor,
            changed_at=now,
        )
    )
    opportunity.touch(now)
    uow.record(
        OpportunityStageChanged(
            record_id=opportunity.id,
            customer_id=opportunity.customer_id,
            from_stage=current,
            to_stage=target,
            changed_at=now,
            opportunity=snapshot_of(opportunity),
        )
    )


# -- the HTTP use cases -----------------------------------------------------------------------


async def ensure_owner_assignable(
    repository: OpportunityRepository, owner: str | None, scope: RecordScope
) -> None:
    """A caller may name as owner only someone whose records it would reach (mass
    assignment): a rep themselves or nobody (the pool), a manager also their team."""
    if scope.everything:
        return
    team = await repository.team_of(owner) if owner is not None else None
    if not scope.may_assign(owner, team):
        raise Forbidden(
            "you may make yourself the owner, leave the opportunity unowned, or (as a team's "
            "manager) give it to a member of your team",
            code="owner-not-assignable",
        )


def unknown_customer(customer_id: str) -> UnknownReferenceError:
    return UnknownReferenceError(
        f"unknown customer {customer_id}: not a customer the sales service knows",
        location="body.customer_id",
    )


async def create_opportunity(
    uow: UnitOfWork,
    settings: SalesSettings,
    body: OpportunityCreate,
    *,
    actor: str | None,
    default_owner: str | None,
    scope: RecordScope,
) -> Opportunity:
    """``POST /v1/opportunities``: on a customer of the sales view (an active one, or the
    survivor of a merged one) within the caller's reach."""
    repository = OpportunityRepository(uow.session)
    customer = await repository.customer(body.customer_id)
    if customer is None or customer["status"] != "active":
        raise unknown_customer(body.customer_id)
    if not scope.everything:
        holder = customer["owner"]
        team = await repository.team_of(holder) if holder is not None else None
        if not scope.reaches(holder, team):
            raise unknown_customer(body.customer_id)  # never says whose customer it is
    owner = body.owner if "owner" in body.model_fields_set else default_owner
    await ensure_owner_assignable(repository, owner, scope)
    return await open_opportunity(
        uow,
        settings,
        name=body.name,
        amount=body.amount,
        currency=body.currency,
        customer_id=customer["id"],
        lead_id=None,
        owner=owner,
        actor=actor,
        stage=body.stage,
        expected_close_date=body.expected_close_date,
        competitor=body.competitor,
    )


async def get_opportunity(uow: UnitOfWork, opportunity_id: str, scope: RecordScope) -> Opportunity:
    """404 for one outside the caller's reach, exactly as for one that does not exist."""
    opportunity = await OpportunityRepository(uow.session).reachable(opportunity_id, scope)
    if opportunity is None:
        raise NotFoundError.of("opportunity", opportunity_id)
    return opportunity


async def patch_opportunity(
    uow: UnitOfWork,
    settings: SalesSettings,
    opportunity_id: str,
    body: OpportunityUpdate,
    expected: ExpectedVersion,
    scope: RecordScope,
    actor: str | None,
) -> Opportunity:
    opportunity = await get_opportunity(uow, opportunity_id, scope)
    check_version(expected, opportunity.version)
    sent = body.model_fields_set
    current = OpportunityStage(opportunity.stage)
    target = body.stage if body.stage is not None and body.stage != current else None
    stage_after = target or current
    # Every rule first, so that a refused request changes nothing.
    if target is not None:
        rules.check_move(current, target, loss_reason=body.loss_reason, reason=body.stage_reason)
    if "loss_reason" in sent and stage_after != OpportunityStage.LOST:
        raise rules.refused("a loss_reason goes with stage lost", field="loss_reason")
    if "loss_reason" in sent and body.loss_reason is None:
        raise rules.refused("a lost opportunity keeps a loss_reason", field="loss_reason")
    if body.probability is not None:
        rules.check_override(stage_after, body.probability, body.probability_reason)
    elif "probability_reason" in sent:
        raise rules.refused("probability_reason goes with a probability", "probability_reason")
    if "owner" in sent and body.owner != opportunity.owner:
        await ensure_owner_assignable(OpportunityRepository(uow.session), body.owner, scope)

    changed = _apply_plain_fields(opportunity, body)
    if target is None and body.loss_reason not in (None, opportunity.loss_reason):
        opportunity.loss_reason = body.loss_reason
        changed.append("loss_reason")
    record_change(uow, opportunity, changed)
    if target is not None:
        move_stage(
            uow,
            settings,
            opportunity,
            target,
            actor=actor,
            reason=body.stage_reason,
            loss_reason=body.loss_reason,
        )
    if "probability" in sent:
        record_change(uow, opportunity, _set_probability(opportunity, body, settings))
    return opportunity


def _apply_plain_fields(opportunity: Opportunity, body: OpportunityUpdate) -> list[str]:
    changed = []
    for field in PLAIN_FIELDS:
        if field not in body.model_fields_set:
            continue
        value: Any = getattr(body, field)
        if field == "amount":
            value = value.quantize(rules.CENT)
        if getattr(opportunity, field) != value:
            setattr(opportunity, field, value)
            changed.append(field)
    if "amount" in changed:
        changed += _reweigh(opportunity)
    return changed


def _set_probability(
    opportunity: Opportunity, body: OpportunityUpdate, settings: SalesSettings
) -> list[str]:
    """The override (checked), or with null the stage's default back."""
    if body.probability is None:
        if not opportunity.probability_overridden:
            return []
        stage = OpportunityStage(opportunity.stage)
        opportunity.probability = rules.stage_probability(stage, settings.stage_probabilities)
        opportunity.probability_overridden = False
        opportunity.probability_override_reason = None
    else:
        if (
            opportunity.probability_overridden
            and opportunity.probability == body.probability
            and opportunity.probability_override_reason == body.probability_reason
        ):
            return []
        opportunity.probability = body.probability
        opportunity.probability_overridden = True
        opportunity.probability_override_reason = body.probability_reason
    return ["probability", "probability_overridden", *_reweigh(opportunity)]
