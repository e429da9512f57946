"""Settings of the analytics service: the shared ``CRM_*`` variables, plus its own
``CRM_ANALYTICS_*`` ones (database URL, port, and those below)."""

from typing import ClassVar

from crm_shared.settings import ServiceSettings
from pydantic import Field


class AnalyticsSettings(ServiceSettings):
    service_name: ClassVar[str] = "analytics"

    port: int = 8005

    # How many of the newest timeline entries GET /v1/profiles/{id} embeds.
    profile_timeline_size: int = Field(20, ge=0, le=200)

    # --- scores (RFM, ABC, CLV, churn risk, value class) --------------------------------

    # --- segments -------------------------------------------------------------------------

    # --- churn model and reports ------------------------------------------------------------

    # The churn label: no purchase within this many days after the cut date.
    churn_horizon_days: int = Field(180, ge=7, le=1095)
    # The features compare the orders and spend of the last N days before the cut with the N
    # days before those.
    churn_trend_days: int = Field(180, ge=7, le=730)
    # Enough history to learn a tree: customers who had bought before the cut, and churned /
    # stayed customers among them (each class at least this many).
    churn_min_customers: int = Field(200, ge=10, le=10_000_000)
    churn_min_per_class: int = Field(20, ge=2, le=1_000_000)
    churn_tree_max_depth: int = Field(3, ge=1, le=6)
    churn_tree_min_samples_leaf: int = Field(10, ge=1, le=100_000)
    # A customer is active at an instant if they bought within this many days before it.
    churn_active_window_days: int = Field(365, ge=1, le=3650)
    # Reasons customers leave, with DOMAIN.md's reference shares (%), shown beside the counts.
    churn_reason_shares: dict[str, float] = {
        "indifference": 68.0,
        "complaint badly handled": 10.0,
        "cheaper elsewhere": 9.0,
        "friends": 5.0,
        "competitor": 4.0,
        "moved": 3.0,
        "died": 1.0,
    }
    # Expected one-year retention (%, low and high) by satisfaction score 1-5 (DOMAIN.md).
    csi_retention_by_score: dict[int, tuple[float, float]] = {
        5: (92.0, 97.0),
        4: (80.0, 85.0),
        3: (60.0, 65.0),
        2: (15.0, 20.0),
        1: (0.0, 5.0),
    }

    # --- cross-sell, most-valuable-customer order, loyalty, market size -----------------------
