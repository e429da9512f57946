"""The record-level rule (crm_shared.auth.access) and the masking formats
(crm_shared.masking): pure, no database."""

from datetime import UTC, datetime

import pytest
from crm_shared.auth.access import EVERYTHING, NOTHING, RecordScope, access_of, record_scope
from crm_shared.auth.tokens import Principal
from crm_shared.masking import mask_document, mask_email, mask_phone, mask_text

REP = RecordScope(user_id="rep", pool=True)
MANAGER = RecordScope(user_id="boss", managed_teams=frozenset({"north"}), pool=True)


def principal(role: str | None, **claims: object) -> Principal:
    body = {"sub": claims.pop("sub", "me"), "jti": "j", "exp": 2_000_000_000, **claims}
    if role is not None:
        body["role"] = role
    return Principal.from_claims(body)


@pytest.mark.parametrize(
    ("scope", "owner", "team", "reached"),
    [
        (REP, "rep", None, True),  # their own
        (REP, None, None, True),  # the shared pool
        (REP, "other", "north", False),  # a colleague's
        (MANAGER, "other", "north", True),  # a member of the team they manage
        (MANAGER, "other", "south", False),  # another team's
        (MANAGER, "other", None, False),  # someone on no team
        (MANAGER, "boss", None, True),
        (EVERYTHING, "anyone", None, True),
        (NOTHING, None, None, False),
        (NOTHING, "x", "north", False),
    ],
)
def test_who_reaches_which_record(
    scope: RecordScope, owner: str | None, team: str | None, reached: bool
) -> None:
    assert scope.reaches(owner, team) is reached
    assert scope.may_assign(owner, team) is reached


@pytest.mark.parametrize("role", ["admin", "support", "marketing", "analyst"])
def test_every_role_but_sales_reaches_every_record(role: str) -> None:
    assert record_scope(principal(role)) == EVERYTHING


def test_a_sales_rep_reaches_own_pool_and_managed_teams_from_the_token() -> None:
    scope = record_scope(principal("sales", sub="u1", manages=["t1", "t2"]))
    assert scope == RecordScope(user_id="u1", managed_teams=frozenset({"t1", "t2"}), pool=True)


@pytest.mark.parametrize("claim", ["t1", [1, None, ""], {"t1": True}, None])
def test_an_unreadable_manages_claim_grants_no_team(claim: object) -> None:
    assert record_scope(principal("sales", manages=claim)).managed_teams == frozenset()


def test_an_unknown_role_reaches_nothing_and_a_partner_everything() -> None:
    assert record_scope(principal("intern")) == NOTHING
    assert record_scope(principal(None)) == NOTHING
    partner = principal(None, client_id="p1", scope="customers:read")
    assert record_scope(partner) == EVERYTHING


def test_personal_data_needs_customers_pii() -> None:
    assert access_of(principal("sales")).personal_data
    assert not access_of(principal("analyst")).personal_data
    assert not access_of(principal(None, client_id="p", scope="customers:read")).personal_data
    assert access_of(principal(None, client_id="p", scope="customers:pii")).personal_data


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("ada.lovelace@example.org", "a***@example.org"),
        ("a@b.co", "a***@b.co"),
        ("not-an-address", "***"),
        (None, None),
    ],
)
def test_an_email_keeps_its_first_letter_and_domain(value: str | None, masked: str | None) -> None:
    assert mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+442079460000", "+**********00"),
        ("+14155550123", "+*********23"),
        ("1234", "****"),  # too short to show any digit
        (None, None),
    ],
)
def test_a_phone_keeps_its_last_two_digits(value: str | None, masked: str | None) -> None:
    assert mask_phone(value) == masked


def test_text_is_hidden_but_absence_stays_visible() -> None:
    assert mask_text("1 Main Street") == "***"
    assert mask_text(None) is None


def test_the_principal_reads_the_manages_claim() -> None:
    found = principal("sales", manages=["t1"])
    assert found.managed_teams == frozenset({"t1"})
    assert found.expires_at == datetime.fromtimestamp(2_000_000_000, UTC)


def test_a_document_is_masked_at_any_depth_but_only_its_text() -> None:
    document = {
        "customer": {"email": "ann@example.org", "birth_date": "1980-01-02", "name": "Ann"},
        "contacts": [{"phone": "+14155550123"}],
        "consent": {"email": True, "phone": False},
    }
    assert mask_document(document) == {
        "customer": {"email": "a***@example.org", "birth_date": None, "name": "Ann"},
        "contacts": [{"phone": "+*********23"}],
        "consent": {"email": True, "phone": False},
    }
