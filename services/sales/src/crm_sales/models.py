"""Imports every model so that the metadata (and the mapper registry) is complete."""

from crm_sales.db import Base, platform_tables
from crm_sales.leads.models import Lead
from crm_sales.opportunities.models import Opportunity, StageChange

__all__ = ["Base", "Lead", "Opportunity", "StageChange", "platform_tables"]
