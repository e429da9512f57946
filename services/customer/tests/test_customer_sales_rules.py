"""The pure rules of sales facts: lead to customer, order to receivable, orders to stage."""

from datetime import UTC, datetime, timedelta

from crm_customer.sales_facts.rules import (
    customer_fields,
    customer_source,
    newest_per_order,
    order_fact,
    receivable_values,
    stage_after_orders,
    supersedes,
)
from crm_shared.contracts.customer import LifecycleStage
from crm_shared.testing.sales_fact_events import (
    lead,
    order,
    order_cancelled,
    order_placed,
    payment_changed,
)

T = datetime(2026, 3, 1, tzinfo=UTC)


def test_lead_sources_map_onto_the_masters_vocabulary() -> None:
    assert customer_source("web", None) == "web"
    assert customer_source(" Website ", None) == "web"
    assert customer_source("Trade Show", None) == "campaign"
    assert customer_source("reseller", None) == "partner"
    assert customer_source("carrier pigeon", "camp-1") == "campaign"
    assert customer_source("carrier pigeon", None) is None
    assert customer_source(None, None) is None


def test_a_lead_with_a_company_is_a_business_named_after_it() -> None:
    business = customer_fields(lead("l1", company=" Acme ", name="Ada"))
    person = customer_fields(lead("l2", company=None, name="Ada"))
    assert (business["kind"], business["name"]) == ("business", "Acme")
    assert (person["kind"], person["name"]) == ("individual", "Ada")
    assert person["lifecycle_stage"] == LifecycleStage.PROSPECT
    assert customer_fields(lead("l3", name=" ", email="x@example.com"))["name"] == "x@example.com"
    assert customer_fields(lead("l4", name="", email=None))["name"] == "lead l4"


def test_the_newest_version_of_an_order_wins_and_a_cancellation_at_a_tie() -> None:
    placed = order("o1", "c1", version=1)
    paid = order("o1", "c1", version=2, paid="1000", paid_on=T.date())
    facts = [order_fact(payment_changed(paid, "1000", T.date())), order_fact(order_placed(placed))]
    assert newest_per_order(facts)["o1"].version == 2
    tie = [order_fact(payment_changed(paid, "1000", T.date())), order_fact(order_cancelled(paid))]
    assert newest_per_order(tie)["o1"].cancelled is True


def test_only_a_newer_state_of_an_order_not_cancelled_supersedes() -> None:
    fact = order_fact(order_placed(order("o1", "c1", version=3)))
    assert supersedes(fact, None, stored_cancelled=False)
    assert supersedes(fact, 2, stored_cancelled=False)
    assert not supersedes(fact, 3, stored_cancelled=False)
    assert not supersedes(fact, 1, stored_cancelled=True)


def test_a_receivable_is_paid_on_only_when_settled_and_never_overpaid() -> None:
    partial = order_fact(order_placed(order("o1", "c1", ordered_at=T, paid="300")))
    values = receivable_values(partial)
    assert (values["paid_amount"], values["paid_on"]) == (300, None)
    assert (values["issued_on"], values["due_on"]) == (T.date(), T.date() + timedelta(days=30))


def test_orders_move_potential_and_prospects_to_customer_and_win_back_the_lost() -> None:
    early = order_fact(order_placed(order("o1", "c1", number="SO-1", ordered_at=T)))
    later = order_fact(order_placed(order("o2", "c1", number="SO-2", ordered_at=T + timedelta(1))))
    for stage in (LifecycleStage.POTENTIAL, LifecycleStage.PROSPECT):
        change = stage_after_orders(stage, [later, early], None)
        assert change is not None
        assert (change.target, change.reason) == ("customer", "first order SO-1")
    assert stage_after_orders(LifecycleStage.CUSTOMER, [early], None) is None
    lost_between = T + timedelta(hours=12)
    recovered = stage_after_orders(LifecycleStage.LOST, [early, later], lost_between)
    assert recovered is not None
    assert recovered.reason == "order SO-2 after being lost"
    assert stage_after_orders(LifecycleStage.LOST, [early], lost_between) is None
    cancelled = order_fact(order_cancelled(order("o3", "c1")))
    assert stage_after_orders(LifecycleStage.PROSPECT, [cancelled], None) is None
