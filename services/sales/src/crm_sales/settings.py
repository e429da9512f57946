"""Settings of the sales service, read from ``CRM_SALES_*`` (and ``CRM_*``) variables.

Every number of the sales rules (DOMAIN.md §3) is a setting: the stages' win probabilities,
the lead-scoring weights, payment terms, reminders, import limits.
"""

from enum import StrEnum
from typing import ClassVar, Self

from crm_shared.contracts.sales import OPEN_STAGES, OpportunityStage
from crm_shared.settings import ServiceSettings
from croniter import croniter
from pydantic import Field, model_validator

DEFAULT_STAGE_PROBABILITIES: dict[OpportunityStage, float] = {
    OpportunityStage.CONTACT: 0.10,
    OpportunityStage.NEEDS_ANALYSIS: 0.20,
    OpportunityStage.PROPOSAL: 0.40,
    OpportunityStage.QUOTE: 0.60,
    OpportunityStage.NEGOTIATION: 0.80,
    OpportunityStage.WON: 1.0,
    OpportunityStage.LOST: 0.0,
}


class DuplicatePolicy(StrEnum):
    """What a new lead that matches an open lead (same e-mail or phone) gets."""

    REFUSE = "refuse"  # 409 lead-duplicate naming the lead it duplicates
    WARN = "warn"  # created, with the duplicates listed and a Warning header


DEFAULT_SIZE_BANDS: list[tuple[int, int]] = [(10, 5), (50, 10), (250, 15), (1000, 20)]
DEFAULT_INDUSTRIES = [
    "software", "information technology", "manufacturing", "financial services",
    "healthcare", "logistics", "telecommunications", "energy",
]  # fmt: skip
DEFAULT_REGIONS = ["europe", "dach", "benelux", "nordics", "uk", "north america"]
DEFAULT_DECISION_MAKER_WORDS = [
    "ceo", "cfo", "cto", "cio", "coo", "chief", "founder", "owner", "president", "vp",
    "vice president", "director", "head", "managing", "partner", "procurement", "purchasing",
]  # fmt: skip
DEFAULT_INFLUENCER_WORDS = ["manager", "lead", "architect", "consultant", "engineer", "buyer"]
DEFAULT_SOURCE_POINTS = {"referral": 10, "partner": 8, "event": 6, "web": 4, "campaign": 4}


class SalesSettings(ServiceSettings):
    service_name: ClassVar[str] = "sales"

    port: int = 8003

    # --- opportunities ---
    # Win probability per stage (0-1); JSON in the environment, e.g.
    # CRM_SALES_STAGE_PROBABILITIES='{"quote": 0.5}' (the stages not named keep their default).
    stage_probabilities: dict[OpportunityStage, float] = Field(
        default_factory=lambda: dict(DEFAULT_STAGE_PROBABILITIES)
    )
    default_currency: str = Field("EUR", min_length=3, max_length=3)

    # --- pipeline ---
    # The forecast's "committed" category: open opportunities at this stage or later.
    forecast_committed_from: OpportunityStage = OpportunityStage.NEGOTIATION
    # Pipeline analysis without ?from=: this many days back from now.
    analysis_default_days: int = Field(365, ge=1, le=3660)
    # The longest window pipeline analysis accepts (days between from and to).
    analysis_max_days: int = Field(3660, ge=1)
    # How many loss reasons pipeline analysis ranks (the most frequent).
    analysis_top_loss_reasons: int = Field(20, ge=1, le=1000)

    # --- leads ---
    # A new lead matching an open lead by normalised e-mail or phone: refuse (409) or warn.
    lead_duplicates: DuplicatePolicy = DuplicatePolicy.REFUSE
    # Phone numbers written without a country code are read as numbers of this region (as the
    # customer master does, so the keys compare).
    default_phone_region: str = Field("US", min_length=2, max_length=2)
    # Fit: [[employees at least, points], ...]; the highest band reached counts.
    scoring_size_bands: list[tuple[int, int]] = Field(
        default_factory=lambda: list(DEFAULT_SIZE_BANDS)
    )
    # Fit: target industries (compared case-insensitively) and the points for one.
    scoring_industries: list[str] = Field(default_factory=lambda: list(DEFAULT_INDUSTRIES))
    scoring_industry_points: int = Field(15, ge=0, le=100)
    # Fit: target regions (territories) and the points for one.
    scoring_regions: list[str] = Field(default_factory=lambda: list(DEFAULT_REGIONS))
    scoring_region_points: int = Field(10, ge=0, le=100)
    # Fit: words in the role that mark a decision-maker / an influencer, and their points.
    scoring_decision_maker_words: list[str] = Field(
        default_factory=lambda: list(DEFAULT_DECISION_MAKER_WORDS)
    )
    scoring_decision_maker_points: int = Field(20, ge=0, le=100)
    scoring_influencer_words: list[str] = Field(
        default_factory=lambda: list(DEFAULT_INFLUENCER_WORDS)
    )
    scoring_influencer_points: int = Field(8, ge=0, le=100)
    # Fit: points per lead source (e.g. {"referral": 10}); sources not named get none.
    scoring_source_points: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_SOURCE_POINTS)
    )
    # Engagement: points per activity done for the lead, and at most this many in all.
    scoring_activity_points: int = Field(5, ge=0, le=100)
    scoring_activity_max: int = Field(20, ge=0, le=100)
    # Engagement: points per campaign response, and at most this many in all.
    scoring_campaign_points: int = Field(5, ge=0, le=100)
    scoring_campaign_max: int = Field(15, ge=0, le=100)
    # The learnt win probability: fitted once this many converted leads have a won or lost
    # opportunity (and both outcomes occur).
    scoring_min_history: int = Field(50, ge=2)
    # When the model is refitted (cron, UTC); on demand too: POST /v1/leads/scoring/model.
    scoring_retrain_cron: str = "30 2 * * *"
    # Share of the history held out to measure the model's accuracy.
    scoring_holdout_share: float = Field(0.25, gt=0, lt=1)
    # Work allocation of unowned new leads: region -> owner, industry -> owner (compared
    # case-insensitively), else round robin over these owners, else the pool (no owner).
    routing_territories: dict[str, str] = Field(default_factory=dict)
    routing_industries: dict[str, str] = Field(default_factory=dict)
    routing_round_robin: list[str] = Field(default_factory=list)

    # --- lead import ---
    # The largest lead CSV accepted, in bytes (a larger one is 413: split it); the platform's
    # max_request_bytes (16 MiB) bounds every body first. 100,000 rows: ~15 MB.
    lead_import_max_bytes: int = Field(16 * 1024 * 1024, ge=1)
    # A longer CSV cell refuses the file (422 with its line and column); at most the csv
    # module's own field limit.
    lead_import_max_cell_chars: int = Field(10_000, ge=1, le=131_072)
    # Rows of the lead import written per transaction: a crash loses at most one chunk,
    # which a re-import of the same file restores (imported rows are skipped).
    lead_import_chunk_rows: int = Field(2_000, ge=1)

    # --- activities ---
    # The reminder of an activity fires this many minutes before it is due (0: when due).
    reminder_lead_minutes: int = Field(0, ge=0, le=60 * 24 * 14)

    # --- quotes, orders, payments, order history import ---
    # Days from an order's date to its due date when the order names none (0: due on ordering).
    payment_terms_days: int = Field(30, ge=0, le=3650)
    # Days a new quote stays valid when it names no valid_until (0: no validity date).
    quote_validity_days: int = Field(30, ge=0, le=3650)
    # The largest order history CSV accepted, in bytes (a larger one is 413: split it); the
    # platform's max_request_bytes (16 MiB) bounds every body first. 100,000 rows: ~8 MB.
    order_import_max_bytes: int = Field(16 * 1024 * 1024, ge=1)
    # A longer CSV cell refuses the file (422 with its line and column); at most the csv
    # module's own field limit.
    order_import_max_cell_chars: int = Field(10_000, ge=1, le=131_072)
    # Rows of the order import written per transaction: a crash loses at most one chunk,
    # which a re-import of the same file restores (imported rows are skipped).
    order_import_chunk_rows: int = Field(5_000, ge=1)

    @model_validator(mode="after")
    def _every_stage_has_a_probability(self) -> Self:
        self.stage_probabilities = {**DEFAULT_STAGE_PROBABILITIES, **self.stage_probabilities}
        for stage, probability in self.stage_probabilities.items():
            if not 0 <= probability <= 1:
                raise ValueError(f"stage_probabilities: {stage} must be between 0 and 1")
        self.default_currency = self.default_currency.upper()
        if self.forecast_committed_from not in OPEN_STAGES:
            raise ValueError("forecast_committed_from must be an open stage")
        self.default_phone_region = self.default_phone_region.upper()
        if not croniter.is_valid(self.scoring_retrain_cron):
            raise ValueError(f"scoring_retrain_cron: {self.scoring_retrain_cron!r} is not cron")
        return self
