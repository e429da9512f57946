"""The service recovery rules: limits per role, the actual loss, managers."""

from decimal import Decimal

import pytest
from crm_shared.auth.tokens import Forbidden
from crm_support.recoveries.rules import Approver, approve, is_manager, totals_by_currency

LIMITS = {"support": Decimal(200)}
AGENT = Approver("agent-1", "support", admin=False, manages_team=False)
ADMIN = Approver("root", "admin", admin=True, manages_team=False)
LEAD = Approver("lead-1", "support", admin=False, manages_team=True)
ANALYST = Approver("ana", "analyst", admin=False, manages_team=False)


def check(
    approver: Approver, total: str, *, loss: str | None = None, manager: bool = False
) -> bool:
    return approve(
        approver,
        manager=manager,
        total=Decimal(total),
        currency="EUR",
        limits=LIMITS,
        actual_loss=None if loss is None else Decimal(loss),
    )


def test_within_the_role_limit_and_the_loss() -> None:
    assert check(AGENT, "200") is False
    assert check(AGENT, "50", loss="50") is False


@pytest.mark.parametrize(("total", "loss", "limit"), [("200.01", None, "200"), ("60", "50", "50")])
def test_over_a_limit_an_agent_is_refused(total: str, loss: str | None, limit: str) -> None:
    with pytest.raises(Forbidden) as refused:
        check(AGENT, total, loss=loss)
    assert refused.value.code == "recovery-over-limit"
    assert refused.value.details["limit"] == limit
    assert refused.value.details["amount"] == total


def test_a_manager_exceeds_and_it_is_recorded() -> None:
    assert check(LEAD, "500", manager=True) is True
    assert check(ADMIN, "500") is False  # an admin not listed has no role limit ...
    assert check(ADMIN, "500", loss="400", manager=True) is True  # ... but the loss caps


def test_a_role_not_listed_may_not_approve_unless_a_manager() -> None:
    with pytest.raises(Forbidden) as refused:
        check(ANALYST, "1")
    assert refused.value.code == "recovery-not-allowed"
    assert check(ANALYST, "1", manager=True) is True


def test_who_is_a_manager() -> None:
    assert is_manager(ADMIN, (None, None))
    assert is_manager(LEAD, (None, None))
    assert is_manager(AGENT, ("boss", "agent-1"))
    assert not is_manager(AGENT, ("boss", None))


def test_totals_are_per_currency() -> None:
    costs = [("EUR", Decimal("10.50")), ("USD", Decimal(3)), ("EUR", Decimal("0.50"))]
    assert totals_by_currency(costs) == {"EUR": Decimal("11.00"), "USD": Decimal(3)}
