"""What a segment filter can say here: each field of the filter language with its kind, its
operators, and the values it takes where this service knows them (the bands of its settings,
the RFM segment names, the ABC classes its shares make, the churn-risk levels, the master's
kinds, stages and consent channels). A form builds its controls from this, so it offers only
what the filter validation accepts. Pure."""

from crm_shared.contracts.customer import ConsentChannel, CustomerKind, LifecycleStage
from crm_shared.contracts.segments import FIELD_KINDS, ops_of

from crm_analytics.scores.rules import SEGMENTS
from crm_analytics.segments.schemas import FilterFieldOut
from crm_analytics.settings import AnalyticsSettings

ABC_LETTERS = ("A", "B", "C", "D")
CHURN_LEVELS = ("low", "medium", "high")


def known_values(settings: AnalyticsSettings) -> dict[str, list[str]]:
    """The values of the fields with a closed vocabulary (the rest are free text)."""
    abc = list(ABC_LETTERS[: len(settings.abc_shares) + 1])
    return {
        "age_band": list(settings.segment_age_bands),
        "spend_band": list(settings.segment_spend_bands),
        "customer_type": [kind.value for kind in CustomerKind],
        "lifecycle_stage": [stage.value for stage in LifecycleStage],
        "rfm_segment": list(SEGMENTS),
        "abc_class": abc,
        "value_class": ["VIP", *abc],
        "churn_risk": list(CHURN_LEVELS),
        "consent": [channel.value for channel in ConsentChannel],
    }


def filter_fields(settings: AnalyticsSettings) -> list[FilterFieldOut]:
    values = known_values(settings)
    return [
        FilterFieldOut(field=field, kind=kind.value, ops=ops_of(field), values=values.get(field))
        for field, kind in FIELD_KINDS.items()
    ]
