"""Settings of the sales service, read from ``CRM_SALES_*`` (and ``CRM_*``) variables.

Every number of the sales rules (DOMAIN.md §3) is a setting: the stages' win probabilities,
the lead-scoring weights, payment terms, reminders, import limits.
"""

from typing import ClassVar, Self

from crm_shared.contracts.sales import OpportunityStage
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
        return self
