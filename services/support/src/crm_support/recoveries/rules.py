"""Who may approve a service recovery, and how much (DOMAIN.md §4): a role's limit per
ticket (``CRM_SUPPORT_RECOVERY_LIMITS``) and the customer's actual loss cap the ticket's
total; a manager may exceed both, and it is recorded (``over_limit``)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from crm_shared.auth.tokens import Forbidden


@dataclass(frozen=True)
class Approver:
    """The caller, as far as recovery rules care."""

    subject: str
    role: str | None
    admin: bool  # holds support:manage
    manages_team: bool  # the token names teams the caller manages


@dataclass(frozen=True)
class Breach:
    what: str  # the limit's name, for the message
    limit: Decimal


def is_manager(approver: Approver, ticket_managers: Sequence[str | None]) -> bool:
    """An admin, a team's manager, or the ticket's own manager or senior management."""
    return approver.admin or approver.manages_team or approver.subject in ticket_managers


def role_limit(approver: Approver, limits: Mapping[str, Decimal]) -> Decimal | None:
    """The role's limit per ticket; None: no limit (an admin whose role is not listed);
    a role not listed may approve nothing (0) on its own."""
    if approver.role is not None and approver.role in limits:
        return limits[approver.role]
    return None if approver.admin else Decimal(0)


def breaches(total: Decimal, limit: Decimal | None, actual_loss: Decimal | None) -> list[Breach]:
    found = []
    if limit is not None and total > limit:
        found.append(Breach("the approval limit of your role", limit))
    if actual_loss is not None and total > actual_loss:
        found.append(Breach("the customer's actual loss", actual_loss))
    return found


def approve(
    approver: Approver,
    *,
    manager: bool,
    total: Decimal,
    currency: str,
    limits: Mapping[str, Decimal],
    actual_loss: Decimal | None,
) -> bool:
    """Whether the ticket's ``total`` (this recovery included) is over a limit, which only a
    ``manager`` may approve (then True: recorded as over the limit); else Forbidden."""
    limit = role_limit(approver, limits)
    if limit == 0 and not manager:
        raise Forbidden(
            f"the role {approver.role or '(none)'} may not approve a service recovery "
            "(CRM_SUPPORT_RECOVERY_LIMITS names the roles that may): ask a manager",
            code="recovery-not-allowed",
        )
    found = breaches(total, limit, actual_loss)
    if not found:
        return False
    if manager:
        return True
    first = found[0]
    raise Forbidden(
        f"{total} {currency} in all on this ticket would pass {first.what} "
        f"({first.limit} {currency}): a manager must approve it",
        code="recovery-over-limit",
        limit=str(first.limit),
        amount=str(total),
        currency=currency,
    )


def totals_by_currency(costs: Sequence[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for currency, cost in costs:
        totals[currency] = totals.get(currency, Decimal(0)) + cost
    return totals
