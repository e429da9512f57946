"""Every model of the marketing service: Alembic and the mappers see the ones imported here."""

from crm_marketing.attribution.models import Attribution
from crm_marketing.audiences.models import AudienceEvaluation, SegmentMember
from crm_marketing.campaigns.models import Campaign
from crm_marketing.care.models import ChurnCare
from crm_marketing.mail_lists.models import MailListEntry
from crm_marketing.member_events.models import MemberEvent
from crm_marketing.sends.models import CampaignMessage
from crm_marketing.winback.models import WinbackState

__all__ = [
    "Attribution",
    "AudienceEvaluation",
    "Campaign",
    "CampaignMessage",
    "ChurnCare",
    "MailListEntry",
    "MemberEvent",
    "SegmentMember",
    "WinbackState",
]
