"""Settings of the customer master, read from ``CRM_CUSTOMER_*`` (and ``CRM_*``) variables.

Every number in the domain rules is an operator setting: the duplicate strictness, the
default phone region and the credit-grade table can all be changed per deployment.
"""

from typing import ClassVar, Self

from crm_shared.contracts.customer import CreditGrade
from crm_shared.settings import ServiceSettings
from pydantic import AliasChoices, BaseModel, Field, model_validator


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


def _env(name: str, variable: str) -> AliasChoices:
    """Read ``variable`` from the environment; the field ``name`` still works as a keyword
    (populate_by_name). Naming the field as an alias too would also read a bare ``PORT``."""
    return AliasChoices(variable)


class CustomerSettings(ServiceSettings):
    service_name: ClassVar[str] = "customer"

    database_url: str = Field(
        "", validation_alias=_env("database_url", "CRM_DATABASE_URL_CUSTOMER")
    )
    port: int = Field(8001, validation_alias=_env("port", "CRM_PORT_CUSTOMER"))

    # Refuse (409) instead of warn when a new customer looks like an existing one.
    duplicates_strict: bool = Field(
        False, validation_alias=_env("duplicates_strict", "CRM_CUSTOMER_DUPLICATES_STRICT")
    )
    # Phone numbers written without a country code are read as numbers of this region.
    default_phone_region: str = Field(
        "US",
        min_length=2,
        max_length=2,
        validation_alias=_env("default_phone_region", "CRM_CUSTOMER_DEFAULT_PHONE_REGION"),
    )
    # Receivables that fell due within this many months count towards the credit grade.
    credit_window_months: int = Field(
        24, ge=1, validation_alias=_env("credit_window_months", "CRM_CUSTOMER_CREDIT_WINDOW_MONTHS")
    )
    # Best grade first; a customer gets E when no row holds. JSON in the environment.
    credit_thresholds: list[CreditThreshold] = Field(
        default_factory=lambda: list(DEFAULT_CREDIT_THRESHOLDS),
        validation_alias=_env("credit_thresholds", "CRM_CUSTOMER_CREDIT_THRESHOLDS"),
    )
    import_max_bytes: int = Field(
        10_000_000, ge=1, validation_alias=_env("import_max_bytes", "CRM_CUSTOMER_IMPORT_MAX_BYTES")
    )
    export_batch_size: int = Field(
        500, ge=1, validation_alias=_env("export_batch_size", "CRM_CUSTOMER_EXPORT_BATCH_SIZE")
    )

    @model_validator(mode="after")
    def _credit_table_is_ordered(self) -> Self:
        grades = [row.grade for row in self.credit_thresholds]
        if CreditGrade.E in grades:
            raise ValueError("credit_thresholds: E is the fallback grade and has no row")
        if grades != sorted(grades) or len(set(grades)) != len(grades):
            raise ValueError("credit_thresholds: list each grade once, best grade first")
        self.default_phone_region = self.default_phone_region.upper()
        return self
