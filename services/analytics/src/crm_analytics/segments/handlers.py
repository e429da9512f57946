"""What marketing asks of segments: ``crm.marketing.audience.requested.v1``, a campaign's
inline audience, saved and evaluated as a segment (once, with the id marketing chose)."""

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.marketing import AudienceRequested
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent

from crm_analytics.segments.service import create_requested
from crm_analytics.settings import AnalyticsSettings


def segment_handlers(settings: AnalyticsSettings) -> dict[type, EventHandler]:
    async def on_audience_requested(
        uow: UnitOfWork, event: AudienceRequested, envelope: CloudEvent
    ) -> None:
        await create_requested(uow, event, settings)

    return {AudienceRequested: on_audience_requested}
