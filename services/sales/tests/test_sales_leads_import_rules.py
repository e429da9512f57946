"""The rules of one lead file row (no database): the cells checked by the rules of
POST /v1/leads, the keys a duplicate is found by, and what makes a row a lead already;
and the routing of a set of leads."""

import pytest
from crm_sales.lead_imports.rules import LeadRow, RowRefusedError, duplicate_of, read_row
from crm_sales.leads.rules import oldest_customer, route_leads
from crm_sales.settings import SalesSettings


def read(**cells: str) -> LeadRow:
    return read_row(2, cells, "US")


def refusal(**cells: str) -> list[str]:
    with pytest.raises(RowRefusedError) as refused:
        read(**cells)
    return refused.value.errors


def test_a_full_row_becomes_a_draft_with_normalised_keys() -> None:
    row = read(
        name=" Ann Lee ",
        company="Initech",
        email="Ann.Lee@Example.ORG",
        phone="(415) 555-0123",
        source="fair",
        campaign_id="6F9619FF-8B86-D011-B42D-00C04FC964FF",
        owner="ann",
        industry="Software",
        region="Europe",
        role="CFO",
        company_size="250",
        external_id="FAIR-1",
    )
    assert row.line == 2
    assert row.draft.values["name"] == "Ann Lee"
    assert row.draft.values["company_size"] == 250
    assert row.draft.values["campaign_id"] == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    assert row.draft.email_key == "ann.lee@example.org"
    assert row.draft.phone_key == "+14155550123"
    assert row.owner == "ann"
    assert row.external_id == "FAIR-1"
    assert not row.draft.routed


def test_empty_cells_are_left_out_and_an_empty_owner_is_routed() -> None:
    row = read(name="Bo", email="  ", owner="", company_size="")
    assert row.draft.email_key is None
    assert row.draft.values["company_size"] is None
    assert row.owner is None
    assert row.draft.routed


def test_a_row_without_a_name_is_refused_with_its_other_faults() -> None:
    errors = refusal(name=" ", email="not-an-email")
    assert errors[0] == "name: required"
    assert any(error.startswith("email:") for error in errors)


def test_every_fault_is_named_by_its_column() -> None:
    errors = refusal(
        name="x" * 201,
        company_size="-3",
        campaign_id="nope",
        source="s" * 33,
        phone="call me",
    )
    columns = sorted(error.split(":")[0] for error in errors)
    assert columns == ["campaign_id", "company_size", "name", "phone", "source"]


def test_a_phone_outside_its_countrys_plan_is_refused() -> None:
    errors = refusal(name="Bo", phone="+1 000 000 0000")
    assert len(errors) == 1
    assert errors[0].startswith("phone:")


def test_a_phone_without_country_code_is_read_in_the_default_region() -> None:
    row = read_row(3, {"name": "Bo", "phone": "030 1234567"}, "DE")
    assert row.draft.phone_key == "+49301234567"


def draft_row(line: int, **cells: str) -> LeadRow:
    return read_row(line, {"name": "N", **cells}, "US")


def test_a_row_is_a_lead_already_by_external_id_then_email_then_phone() -> None:
    row = draft_row(2, external_id="X-1", email="a@b.org", phone="+14155550123")
    assert duplicate_of(row, {"X-1"}, set(), set()) == "external_id"
    assert duplicate_of(row, set(), {"a@b.org"}, set()) == "email"
    assert duplicate_of(row, set(), set(), {"+14155550123"}) == "phone"
    assert duplicate_of(row, {"X-2"}, {"c@d.org"}, {"+14155550124"}) is None


def test_a_row_without_keys_is_never_a_duplicate() -> None:
    assert duplicate_of(draft_row(2), {"X-1"}, {"a@b.org"}, {"+1"}) is None


def test_routing_a_set_spreads_the_round_robin_as_one_by_one() -> None:
    settings = SalesSettings(
        routing_territories={"DACH": "dora"}, routing_round_robin=["ann", "bob"]
    )
    places = [(None, None), ("dach", None), (None, None), (None, None), (None, "x")]
    routes = route_leads(places, settings, {"ann": 1})
    assert [route.owner for route in routes] == ["bob", "dora", "ann", "bob", "ann"]
    assert [route.rule for route in routes] == [
        "round_robin", "territory", "round_robin", "round_robin", "round_robin",
    ]  # fmt: skip


def test_without_rules_a_set_stays_in_the_pool() -> None:
    routes = route_leads([(None, None)] * 2, SalesSettings(), {})
    assert {(route.owner, route.rule) for route in routes} == {(None, "pool")}


def test_a_lead_matching_two_customers_gets_the_lowest_id() -> None:
    assert oldest_customer("b", "a") == "a"
    assert oldest_customer(None, "b") == "b"
    assert oldest_customer(None, None) is None
