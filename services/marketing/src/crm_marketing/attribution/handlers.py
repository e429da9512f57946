"""Sales' orders credited to the campaigns that touched the customer before them (the model
and window are settings), a cancelled order's credit withdrawn, and a merged customer's
credits handed to the survivor (sales moves the orders themselves)."""

from datetime import timedelta
from decimal import Decimal

from crm_shared.bus.handlers import EventHandler
from crm_shared.contracts.customer import CustomerMerged
from crm_shared.contracts.sales import OrderCancelled, OrderPlaced
from crm_shared.db import UnitOfWork
from crm_shared.events import CloudEvent

from crm_marketing.attribution.repository import AttributionRepository
from crm_marketing.attribution.rules import AttributionModel, shares
from crm_marketing.campaigns.repository import CampaignRepository
from crm_marketing.settings import MarketingSettings

CENT = Decimal("0.01")


def attribution_handlers(settings: MarketingSettings) -> dict[type, EventHandler]:
    window = timedelta(days=settings.attribution_window_days)
    model = AttributionModel(settings.attribution_model)
    rates = {**settings.exchange_rates, settings.currency: 1.0}

    async def on_order_placed(uow: UnitOfWork, event: OrderPlaced, envelope: CloudEvent) -> None:
        order = event.order
        attributions = AttributionRepository(uow.session)
        touches = await attributions.touches(
            order.customer_id, order.ordered_at - window, order.ordered_at
        )
        credited = shares(touches, model)
        if not credited:
            return
        campaigns = {
            c.id: c for c in await CampaignRepository(uow.session).get_many(list(credited))
        }
        rows = []
        for campaign_id, share in credited.items():
            campaign = campaigns.get(campaign_id)
            revenue = None
            if campaign is not None and order.currency in rates and campaign.currency in rates:
                in_campaign_currency = (
                    float(order.total) / rates[order.currency] * rates[campaign.currency]
                )
                revenue = Decimal(str(in_campaign_currency * share)).quantize(CENT)
            rows.append(
                {
                    "order_id": order.id,
                    "campaign_id": campaign_id,
                    "customer_id": order.customer_id,
                    "share": share,
                    "revenue": revenue,
                    "ordered_at": order.ordered_at,
                }
            )
        await attributions.credit(rows)

    async def on_order_cancelled(
        uow: UnitOfWork, event: OrderCancelled, envelope: CloudEvent
    ) -> None:
        await AttributionRepository(uow.session).withdraw([event.order.id])

    async def on_customer_merged(
        uow: UnitOfWork, event: CustomerMerged, envelope: CloudEvent
    ) -> None:
        if event.merged_customer_id != event.customer_id:
            await AttributionRepository(uow.session).follow_merge(
                event.merged_customer_id, event.customer_id
            )

    return {
        OrderPlaced: on_order_placed,
        OrderCancelled: on_order_cancelled,
        CustomerMerged: on_customer_merged,
    }
