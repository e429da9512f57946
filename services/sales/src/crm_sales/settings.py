"""Settings of the sales service, read from ``CRM_SALES_*`` (and ``CRM_*``) variables.

Every number of the sales rules (DOMAIN.md §3) is a setting: the stages' win probabilities,
the lead-scoring weights, payment terms, reminders, import limits.
"""

from typing import ClassVar, Self

from crm_shared.contracts.sales import OPEN_STAGES, OpportunityStage
from crm_shared.settings import ServiceSettings
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

    @model_validator(mode="after")
    def _every_stage_has_a_probability(self) -> Self:
        self.stage_probabilities = {**DEFAULT_STAGE_PROBABILITIES, **self.stage_probabilities}
        for stage, probability in self.stage_probabilities.items():
            if not 0 <= probability <= 1:
                raise ValueError(f"stage_probabilities: {stage} must be between 0 and 1")
        self.default_currency = self.default_currency.upper()
        if self.forecast_committed_from not in OPEN_STAGES:
            raise ValueError("forecast_committed_from must be an open stage")
        return self
