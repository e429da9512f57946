"""Imports every model so that the metadata (and the mapper registry) is complete."""

from crm_sales.activities.models import Activity
from crm_sales.db import Base, platform_tables
from crm_sales.leads.models import Lead, LeadScoringModel
from crm_sales.opportunities.models import Opportunity, StageChange
from crm_sales.orders.models import DocumentCounter, Order, OrderLine, Payment
from crm_sales.quotes.models import Quote, QuoteLine

__all__ = [
    "Activity",
    "Base",
    "DocumentCounter",
    "Lead",
    "LeadScoringModel",
    "Opportunity",
    "Order",
    "OrderLine",
    "Payment",
    "Quote",
    "QuoteLine",
    "StageChange",
    "platform_tables",
]
