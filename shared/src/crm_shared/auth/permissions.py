"""Who may do what: every operation needs one permission, and a caller holds it through its
role (people) or its scopes (partner clients, whose scopes are permission names).

The table is the README's "Who may call what"; a test walks every route of every service and
fails on one that declares no permission (or is not explicitly public).
"""

from enum import StrEnum

from crm_shared.auth.tokens import Principal
from crm_shared.contracts.identity import Role


class Permission(StrEnum):
    CUSTOMERS_READ = "customers:read"  # customers, contacts, consent, lifecycle, credit
    CUSTOMERS_WRITE = "customers:write"  # create and change them, merge duplicates
    CUSTOMERS_IMPORT = "customers:import"  # CSV import
    CUSTOMERS_EXPORT = "customers:export"  # CSV export (its personal data needs PII too)
    # Personal data unmasked: e-mail, phone, birth date, postal address. Without it answers
    # carry them masked (crm_shared.auth.masking).
    CUSTOMERS_PII = "customers:pii"
    CUSTOMERS_ERASE = "customers:erase"  # the right to erasure
    CREDIT_WRITE = "credit:write"  # receivables, grades
    PROFILES_READ = "profiles:read"  # the 360 profile and timeline
    SALES_READ = "sales:read"  # leads, opportunities, quotes, orders, activities, forecast
    SALES_WRITE = "sales:write"  # create and change them, convert leads, record payments
    SALES_IMPORT = "sales:import"  # CSV import of leads and of past orders
    SUPPORT_READ = "support:read"  # tickets and their history, targets, surveys, reports
    SUPPORT_WRITE = "support:write"  # open and work tickets, record contacts and surveys
    # Escalate, sign off a major complaint's closing, approve recovery above the role limit.
    SUPPORT_MANAGE = "support:manage"
    # Scores, CLV models, segments and their members, the analytical reports.
    ANALYTICS_READ = "analytics:read"
    SEGMENTS_WRITE = "segments:write"  # save, change and delete segments
    ANALYTICS_MANAGE = "analytics:manage"  # refit the models, rescore now
    # Campaigns, their messages, sends and results; the care and win-back programmes.
    CAMPAIGNS_READ = "campaigns:read"
    CAMPAIGNS_WRITE = "campaigns:write"  # plan, change, launch, pause and stop them
    EVENTS_READ = "events:read"  # the event catalog
    OPERATIONS = "operations"  # outbox state and replay
    AUDIT_READ = "audit:read"  # the audit log of every service (admin only)
    IDENTITY_ADMIN = "identity:admin"  # users, teams, partner clients, signing keys
    # Partner webhook subscriptions: a partner client manages its own (its scope), an admin
    # every client's.
    WEBHOOKS_MANAGE = "webhooks:manage"


_EVERYONE = {Permission.CUSTOMERS_READ, Permission.PROFILES_READ, Permission.EVENTS_READ}
# Everyone who works with the customers themselves; not the analyst, who needs no one's
# address to count them.
_CUSTOMER_FACING = _EVERYONE | {Permission.CUSTOMERS_PII}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SALES: frozenset(
        _CUSTOMER_FACING
        | {
            Permission.CUSTOMERS_WRITE,
            Permission.CUSTOMERS_IMPORT,
            Permission.CREDIT_WRITE,
            Permission.SALES_READ,
            Permission.SALES_WRITE,
            Permission.SALES_IMPORT,
        }
    ),
    # Marketing builds the segments its campaigns reach.
    Role.MARKETING: frozenset(
        _CUSTOMER_FACING
        | {
            Permission.CUSTOMERS_WRITE,
            Permission.CUSTOMERS_IMPORT,
            Permission.ANALYTICS_READ,
            Permission.SEGMENTS_WRITE,
            Permission.CAMPAIGNS_READ,
            Permission.CAMPAIGNS_WRITE,
        }
    ),
    # Service sees a complainant's orders (billing and delivery complaints are about them).
    Role.SUPPORT: frozenset(
        _CUSTOMER_FACING
        | {
            Permission.CUSTOMERS_WRITE,
            Permission.SALES_READ,
            Permission.SUPPORT_READ,
            Permission.SUPPORT_WRITE,
        }
    ),
    # Pipeline analysis, the forecast and the complaint statistics are an analyst's reading.
    Role.ANALYST: frozenset(
        _EVERYONE
        | {
            Permission.SALES_READ,
            Permission.SUPPORT_READ,
            Permission.ANALYTICS_READ,
            Permission.SEGMENTS_WRITE,
            Permission.ANALYTICS_MANAGE,
            Permission.CAMPAIGNS_READ,  # a campaign's results are an analyst's reading too
        }
    ),
}


def grants(principal: Principal, permission: Permission) -> bool:
    """Whether the caller holds ``permission``: a partner client by its scopes, a person by
    their role (an unknown role holds nothing)."""
    if principal.is_client:
        return permission.value in principal.scopes
    try:
        role = Role(principal.role or "")
    except ValueError:
        return False
    return permission in ROLE_PERMISSIONS[role]
