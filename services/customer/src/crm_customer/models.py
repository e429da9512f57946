"""Imports every model so that the metadata (and the mapper registry) is complete."""

from crm_customer.consent.models import ConsentRecord
from crm_customer.contacts.models import Contact
from crm_customer.credit.models import CreditRating, Receivable
from crm_customer.customers.models import Customer, CustomerTag
from crm_customer.db import Base, platform_tables
from crm_customer.lifecycle.models import LifecycleChange
from crm_customer.sales_facts.models import LeadLink

__all__ = [
    "Base",
    "ConsentRecord",
    "Contact",
    "CreditRating",
    "Customer",
    "CustomerTag",
    "LeadLink",
    "LifecycleChange",
    "Receivable",
    "platform_tables",
]
