"""Imports every model so that the metadata (and the mapper registry) is complete."""

from crm_support.corrective_actions.models import CorrectiveAction
from crm_support.db import Base, platform_tables
from crm_support.recoveries.models import Recovery
from crm_support.surveys.models import Survey, SurveyItemAnswer
from crm_support.tickets.models import CrisisAlert, Ticket, TicketHistoryEntry, TicketTarget

__all__ = [
    "Base",
    "CorrectiveAction",
    "CrisisAlert",
    "Recovery",
    "Survey",
    "SurveyItemAnswer",
    "Ticket",
    "TicketHistoryEntry",
    "TicketTarget",
    "platform_tables",
]
