"""The rules of a lead, pure: where its status may go, its rule score with the reasons, the
features the learnt model reads, and which owner routing gives an unowned lead.

No database and no clock: the service passes what a rule needs and stores what it returns.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crm_shared.contracts.sales import LeadStatus

from crm_sales.settings import SalesSettings

# --- the status machine ------------------------------------------------------------------

# new -> qualified -> converted; new | qualified -> disqualified (with a reason). A new lead
# may also be converted at once: converting it is qualifying it (as in Salesforce and Odoo).
_ANY_OPEN_MOVE = frozenset({LeadStatus.QUALIFIED, LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED})
TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: _ANY_OPEN_MOVE,
    LeadStatus.QUALIFIED: frozenset({LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED}),
    LeadStatus.CONVERTED: frozenset(),
    LeadStatus.DISQUALIFIED: frozenset(),
}
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.QUALIFIED)


def allowed_moves(status: LeadStatus) -> list[str]:
    """The statuses a lead in ``status`` may move to, in the machine's order."""
    return [target.value for target in LeadStatus if target in TRANSITIONS[status]]


def may_move(status: LeadStatus, target: LeadStatus) -> bool:
    return target in TRANSITIONS[status]


# --- the rule score ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInputs:
    """What the score reads of a lead."""

    company_size: int | None = None
    industry: str | None = None
    region: str | None = None
    role: str | None = None
    source: str | None = None
    activities_done: int = 0
    campaign_responses: int = 0


@dataclass(frozen=True)
class Reason:
    rule: str
    points: int
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "points": self.points, "detail": self.detail}


@dataclass(frozen=True)
class Score:
    points: int  # 0-100
    reasons: list[Reason]


def _folded(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _listed(value: str | None, names: Sequence[str]) -> bool:
    folded = _folded(value)
    return bool(folded) and folded in {_folded(name) for name in names}


def _has_word(text: str | None, words: Sequence[str]) -> str | None:
    """The first of ``words`` (a word or a phrase) that occurs as whole words in ``text``."""
    padded = f" {' '.join(_folded(text).replace('/', ' ').replace(',', ' ').split())} "
    for word in words:
        if f" {_folded(word)} " in padded:
            return word
    return None


def size_points(size: int | None, bands: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """The (threshold, points) of the highest band ``size`` reaches, if any."""
    if size is None:
        return None
    reached = [band for band in sorted(bands) if size >= band[0]]
    return reached[-1] if reached else None


def fit_reasons(lead: ScoreInputs, settings: SalesSettings) -> list[Reason]:
    reasons = []
    band = size_points(lead.company_size, settings.scoring_size_bands)
    if band is not None and band[1]:
        reasons.append(Reason("company_size", band[1], f"{band[0]}+ employees"))
    if _listed(lead.industry, settings.scoring_industries):
        reasons.append(
            Reason("industry", settings.scoring_industry_points, f"target industry {lead.industry}")
        )
    if _listed(lead.region, settings.scoring_regions):
        reasons.append(
            Reason("region", settings.scoring_region_points, f"target region {lead.region}")
        )
    word = _has_word(lead.role, settings.scoring_decision_maker_words)
    if word is not None:
        reasons.append(
            Reason(
                "role",
                settings.scoring_decision_maker_points,
                f"decision-maker ({lead.role!s}: {word!r})",
            )
        )
    else:
        word = _has_word(lead.role, settings.scoring_influencer_words)
        if word is not None:
            reasons.append(
                Reason(
                    "role",
                    settings.scoring_influencer_points,
                    f"influencer ({lead.role!s}: {word!r})",
                )
            )
    source_points = {_folded(k): v for k, v in settings.scoring_source_points.items()}
    points = source_points.get(_folded(lead.source), 0)
    if points:
        reasons.append(Reason("source", points, f"source {lead.source}"))
    return reasons


def engagement_reasons(lead: ScoreInputs, settings: SalesSettings) -> list[Reason]:
    reasons = []
    if lead.activities_done > 0:
        points = min(
            lead.activities_done * settings.scoring_activity_points, settings.scoring_activity_max
        )
        reasons.append(Reason("activities", points, f"{lead.activities_done} activities done"))
    if lead.campaign_responses > 0:
        points = min(
            lead.campaign_responses * settings.scoring_campaign_points,
            settings.scoring_campaign_max,
        )
        reasons.append(
            Reason("campaign_responses", points, f"{lead.campaign_responses} campaign responses")
        )
    return reasons


def rule_score(lead: ScoreInputs, settings: SalesSettings) -> Score:
    """Fit and engagement points, clamped to 0-100; the reasons list every rule that gave
    points (and, when the total was clamped, say so)."""
    reasons = [reason for reason in fit_reasons(lead, settings) if reason.points] + [
        reason for reason in engagement_reasons(lead, settings) if reason.points
    ]
    total = sum(reason.points for reason in reasons)
    clamped = max(0, min(100, total))
    if clamped != total:
        reasons.append(Reason("cap", clamped - total, f"{total} points capped at {clamped}"))
    return Score(clamped, reasons)


# --- the features of the learnt model ----------------------------------------------------

# Feature names and how they read in plain words (GET /v1/leads/scoring/model).
FEATURE_LABELS: dict[str, str] = {
    "log_company_size": "company size (log of employees)",
    "target_industry": "in a target industry",
    "target_region": "in a target region",
    "decision_maker": "a decision-maker's role",
    "influencer": "an influencer's role",
    "activities_done": "activities done",
    "campaign_responses": "campaign responses",
    "source_points": "a strong source (its rule points)",
}
FEATURES = tuple(FEATURE_LABELS)


def features_of(lead: ScoreInputs, settings: SalesSettings) -> list[float]:
    """The lead as the learnt model reads it, in :data:`FEATURES` order."""
    decision_maker = _has_word(lead.role, settings.scoring_decision_maker_words) is not None
    influencer = (
        not decision_maker and _has_word(lead.role, settings.scoring_influencer_words) is not None
    )
    source_points = {_folded(k): v for k, v in settings.scoring_source_points.items()}
    return [
        math.log1p(max(lead.company_size or 0, 0)),
        float(_listed(lead.industry, settings.scoring_industries)),
        float(_listed(lead.region, settings.scoring_regions)),
        float(decision_maker),
        float(influencer),
        float(lead.activities_done),
        float(lead.campaign_responses),
        float(source_points.get(_folded(lead.source), 0)),
    ]


# --- work allocation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    owner: str | None
    rule: str  # territory, industry, round_robin or pool


def route_lead(
    region: str | None,
    industry: str | None,
    settings: SalesSettings,
    open_leads: Mapping[str, int],
) -> Route:
    """Who gets an unowned new lead: the territory's owner (by region), else the industry's,
    else, among the round robin's owners, the one with the fewest open leads (``open_leads``
    by owner; ties go to the first listed), so the turn passes on without a counter to keep,
    else nobody (the pool, where any rep may take it)."""
    for rule, value, table in (
        ("territory", region, settings.routing_territories),
        ("industry", industry, settings.routing_industries),
    ):
        owner = _lookup(value, table)
        if owner is not None:
            return Route(owner, rule)
    owners = settings.routing_round_robin
    if owners:
        turn = min(range(len(owners)), key=lambda i: (open_leads.get(owners[i], 0), i))
        return Route(owners[turn], "round_robin")
    return Route(None, "pool")


def route_leads(
    places: Sequence[tuple[str | None, str | None]],
    settings: SalesSettings,
    open_leads: Mapping[str, int],
) -> list[Route]:
    """:func:`route_lead` for each (region, industry) in turn, as if the leads came one by
    one: each lead routed counts in its owner's load, so a round robin over a file spreads
    it instead of giving it all to the least loaded owner."""
    load = dict(open_leads)
    routes = []
    for region, industry in places:
        route = route_lead(region, industry, settings, load)
        if route.owner is not None:
            load[route.owner] = load.get(route.owner, 0) + 1
        routes.append(route)
    return routes


def oldest_customer(*candidates: str | None) -> str | None:
    """Of the customers a lead matches (by e-mail, by phone), the one with the lowest id:
    the same customer whichever key found it first."""
    found = [candidate for candidate in candidates if candidate]
    return min(found) if found else None


def _lookup(value: str | None, table: Mapping[str, str]) -> str | None:
    folded = _folded(value)
    if not folded:
        return None
    return {_folded(key): owner for key, owner in table.items()}.get(folded)
