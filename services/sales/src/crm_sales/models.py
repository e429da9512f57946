"""Imports every model so that the metadata (and the mapper registry) is complete."""

from crm_sales.activities.models import Activity
from crm_sales.db import Base, platform_tables
from crm_sales.leads.models import Lead, LeadScoringModel
from crm_sales.opportunities.models import Opportunity, StageChange

__all__ = [
    "Activity",
    "Base",
    "Lead",
    "LeadScoringModel",
    "Opportunity",
    "StageChange",
    "platform_tables",
]
