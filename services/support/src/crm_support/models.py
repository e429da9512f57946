"""Imports every model so that the metadata (and the mapper registry) is complete."""

from crm_support.corrective_actions.models import CorrectiveAction
from crm_support.db import Base, platform_tables
from crm_support.follow_ups.models import FollowUpCall, Visit
from crm_support.knowledge.models import AnswerUse, StandardAnswer
from crm_support.recoveries.models import Recovery
from crm_support.surveys.models import Survey, SurveyItemAnswer
from crm_support.tickets.models import CrisisAlert, Ticket, TicketHistoryEntry, TicketTarget

__all__ = [
    "AnswerUse",
    "Base",
    "CorrectiveAction",
    "CrisisAlert",
    "FollowUpCall",
    "Recovery",
    "StandardAnswer",
    "Survey",
    "SurveyItemAnswer",
    "Ticket",
    "TicketHistoryEntry",
    "TicketTarget",
    "Visit",
    "platform_tables",
]
