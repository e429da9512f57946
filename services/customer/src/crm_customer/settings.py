"""Settings of the customer master, read from ``CRM_CUSTOMER_*`` (and ``CRM_*``) variables.

Every number in the domain rules is an operator setting: the duplicate strictness, the
default phone region and the credit-grade table can all be changed per deployment.
"""

from typing import ClassVar, Self

from crm_shared.contracts.customer import CreditGrade
from crm_shared.settings import ServiceSettings
from pydantic import BaseModel, Field, model_validator


class CreditThreshold(BaseModel):
    """One row of the credit table: the grade holds when BOTH conditions hold."""

    grade: CreditGrade
    min_collected_share: float = Field(ge=0, le=1)
    max_payment_cycle_days: int = Field(ge=0)


DEFAULT_CREDIT_THRESHOLDS = (
    CreditThreshold(grade=CreditGrade.A, min_collected_share=0.90, max_payment_cycle_days=45),
    CreditThreshold(grade=CreditGrade.B, min_collected_share=0.75, max_payment_cycle_days=75),
    CreditThreshold(grade=CreditGrade.C, min_collected_share=0.60, max_payment_cycle_days=105),
    CreditThreshold(grade=CreditGrade.D, min_collected_share=0.30, max_payment_cycle_days=255),
)


class CustomerSettings(ServiceSettings):
    service_name: ClassVar[str] = "customer"

    port: int = 8001

    # Refuse (409) instead of warn when a new customer looks like an existing one.
    duplicates_strict: bool = False
    # Phone numbers written without a country code are read as numbers of this region.
    default_phone_region: str = Field("US", min_length=2, max_length=2)
    # Receivables that fell due within this many months count towards the credit grade.
    credit_window_months: int = Field(24, ge=1)
    # Best grade first; a customer gets E when no row holds. JSON in the environment.
    credit_thresholds: list[CreditThreshold] = Field(
        default_factory=lambda: list(DEFAULT_CREDIT_THRESHOLDS)
    )
    import_max_bytes: int = Field(10_000_000, ge=1)
    # A longer CSV cell refuses the file (422, with its line and column). At most the csv
    # module's field limit (131,072), which would otherwise stop the reader first.
    import_max_cell_chars: int = Field(10_000, ge=1, le=131_072)
    export_batch_size: int = Field(500, ge=1)

    @model_validator(mode="after")
    def _credit_table_is_ordered(self) -> Self:
        grades = [row.grade for row in self.credit_thresholds]
        if CreditGrade.E in grades:
            raise ValueError("credit_thresholds: E is the fallback grade and has no row")
        if grades != sorted(grades) or len(set(grades)) != len(grades):
            raise ValueError("credit_thresholds: list each grade once, best grade first")
        self.default_phone_region = self.default_phone_region.upper()
        return self
