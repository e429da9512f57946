"""Use cases of lead scoring: a lead's score with its reasons (the rules, and the learnt win
probability once a model is fitted), refitting the model from the closed history, and the
model as a sales manager reads it. Never commits.

A score is recomputed whenever one of its inputs changes (an edit of the lead, an activity
done for it), and for every open lead after a fit and every night (so that new weights in
the settings reach the leads no one touched).
"""

from dataclasses import dataclass
from typing import Any

from crm_shared.contracts.sales import LeadChanged
from crm_shared.db import UnitOfWork
from crm_shared.errors import ConflictError
from crm_shared.timers import Timer

from crm_sales.leads import learning
from crm_sales.leads.events import snapshot_of
from crm_sales.leads.models import Lead, LeadScoringModel
from crm_sales.leads.repository import LeadRepository
from crm_sales.leads.rules import FEATURES, Reason, ScoreInputs, features_of, rule_score
from crm_sales.settings import SalesSettings

RETRAIN_SCHEDULE = "lead-scoring-retrain"


def inputs_of(lead: Lead) -> ScoreInputs:
    return ScoreInputs(
        company_size=lead.company_size,
        industry=lead.industry,
        region=lead.region,
        role=lead.role,
        source=lead.source,
        activities_done=lead.activities_done or 0,
        campaign_responses=lead.campaign_responses or 0,
    )


def apply_score(lead: Lead, settings: SalesSettings, model: dict[str, Any] | None) -> list[str]:
    """Set the lead's score, reasons and win probability; the names of those that changed.
    The learnt model's top features join the reasons (with 0 points: they explain the
    probability, not the rule score)."""
    inputs = inputs_of(lead)
    score = rule_score(inputs, settings)
    reasons: list[Reason] = list(score.reasons)
    probability: float | None = None
    if model is not None and list(model["features"]) == list(FEATURES):
        values = features_of(inputs, settings)
        probability = round(learning.predict(model, values), 4)
        for explained in learning.explain(model, values):
            direction = "raises" if explained.contribution > 0 else "lowers"
            reasons.append(
                Reason(
                    "model",
                    0,
                    f"{explained.label} {direction} the learnt win probability "
                    f"({explained.contribution:+.2f} log-odds)",
                )
            )
    new = {
        "score": score.points,
        "score_reasons": [reason.as_dict() for reason in reasons],
        "win_probability": probability,
    }
    changed = [name for name, value in new.items() if getattr(lead, name, None) != value]
    for name in changed:
        setattr(lead, name, new[name])
    return changed


async def current_model(uow: UnitOfWork) -> dict[str, Any] | None:
    found = await LeadRepository(uow.session).latest_model()
    return found.model if found is not None else None


async def rescore(uow: UnitOfWork, lead: Lead, settings: SalesSettings) -> list[str]:
    return apply_score(lead, settings, await current_model(uow))


@dataclass(frozen=True)
class ModelState:
    model: LeadScoringModel | None
    closed_history: int
    min_history: int


async def model_state(uow: UnitOfWork, settings: SalesSettings) -> ModelState:
    leads = LeadRepository(uow.session)
    return ModelState(
        await leads.latest_model(),
        await leads.count_closed_history(),
        settings.scoring_min_history,
    )


async def train(uow: UnitOfWork, settings: SalesSettings) -> LeadScoringModel:
    """Fit the win probability on every converted lead whose opportunity closed, keep it,
    and re-score the open leads with it. 409 while the history is too short (or one-sided:
    a model needs wins and losses)."""
    leads = LeadRepository(uow.session)
    history = await leads.closed_history()
    won = sum(1 for _, outcome in history if outcome)
    if len(history) < settings.scoring_min_history:
        raise ConflictError(
            f"{len(history)} converted leads have a won or lost opportunity; the model is "
            f"fitted from {settings.scoring_min_history} (CRM_SALES_SCORING_MIN_HISTORY)",
            code="scoring-history-too-short",
            closed_history=len(history),
            min_history=settings.scoring_min_history,
        )
    holdout = max(2, round(len(history) * settings.scoring_holdout_share))
    if min(won, len(history) - won) < 2 or holdout >= len(history) - 1:
        raise ConflictError(
            f"the closed history has {won} won and {len(history) - won} lost: a model needs "
            "at least 2 of each",
            code="scoring-history-one-sided",
            closed_history=len(history),
        )
    rows = [features_of(inputs_of(lead), settings) for lead, _ in history]
    fitted = learning.fit(
        rows,
        [outcome for _, outcome in history],
        FEATURES,
        holdout_share=settings.scoring_holdout_share,
    )
    now = uow.clock.now()
    fitted["trained_at"] = now.isoformat()
    record = LeadScoringModel(
        trained_at=now,
        n_samples=fitted["n_samples"],
        holdout_accuracy=fitted["holdout_accuracy"],
        model=fitted,
    )
    leads.add_model(record)
    await rescore_open_leads(uow, settings, fitted)
    return record


async def rescore_open_leads(
    uow: UnitOfWork, settings: SalesSettings, model: dict[str, Any] | None
) -> int:
    """Score every open lead again (after a fit, or nightly: weights changed in the
    settings reach the leads no one touched); how many changed."""
    changed = 0
    for lead in await LeadRepository(uow.session).open_leads():
        fields = apply_score(lead, settings, model)
        record_rescore(uow, lead, fields)
        changed += bool(fields)
    return changed


def record_rescore(uow: UnitOfWork, lead: Lead, changed: list[str]) -> None:
    """A score that changed by itself (no other field): the next version and its event."""
    if not changed:
        return
    lead.touch(uow.clock.now())
    uow.record(
        LeadChanged(
            record_id=lead.id,
            customer_id=lead.customer_id,
            changed_fields=sorted(changed),
            lead=snapshot_of(lead),
        )
    )


def retrain_handler(settings: SalesSettings) -> Any:
    """The nightly refit. A history still too short is not an error, just no model yet: the
    open leads are then re-scored with the rules (and the model there is) as they stand."""

    async def retrain(uow: UnitOfWork, timer: Timer) -> None:
        try:
            await train(uow, settings)
        except ConflictError:
            await rescore_open_leads(uow, settings, await current_model(uow))

    return retrain
