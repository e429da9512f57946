"""The pure rules of the customer master: credit grade, lifecycle, merge, normalisation,
consent, erasure, CSV mapping."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from crm_customer.consent.rules import Decision, current_consent
from crm_customer.credit.rules import (
    CreditFacts,
    ReceivableFact,
    credit_facts,
    grade_for,
    months_before,
    rate,
)
from crm_customer.customers.normalize import fold, name_company_key, normalize_tags
from crm_customer.duplicates.rules import merge_values
from crm_customer.erasure.rules import ERASED_NAME, scrubbed_values
from crm_customer.imports.columns import EXPORT_COLUMNS, nest, unknown_columns
from crm_customer.lifecycle.rules import (
    PHASE_AFTER,
    TRANSITIONS,
    TransitionRefusedError,
    allowed_targets,
    transition_name,
)
from crm_customer.settings import DEFAULT_CREDIT_THRESHOLDS, CreditThreshold
from crm_shared.contact_keys import InvalidPhoneNumberError, normalize_email, normalize_phone
from crm_shared.contracts.customer import ConsentChannel, CreditGrade, LifecycleStage

TABLE = DEFAULT_CREDIT_THRESHOLDS

# --- credit grade -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "cycle", "grade"),
    [
        (1.00, 0, "A"),
        (0.90, 45, "A"),  # both A bounds inclusive
        (0.8999, 45, "B"),  # just under A's share
        (0.90, 46, "B"),  # just over A's cycle
        (0.75, 75, "B"),
        (0.7499, 75, "C"),
        (0.75, 76, "C"),
        (0.60, 105, "C"),
        (0.5999, 105, "D"),
        (0.60, 106, "D"),
        (0.30, 255, "D"),
        (0.2999, 255, "E"),  # under D's share
        (0.30, 256, "E"),  # the 256-270 gap of the table falls to E
        (0.95, 270, "E"),
        (0.95, 271, "E"),
        (0.0, 0, "E"),
        (0.95, 60, "B"),  # a good share does not buy back a long cycle
        (0.50, 10, "D"),  # a short cycle does not buy back a poor share
    ],
)
def test_grade_is_the_best_grade_whose_both_conditions_hold(
    share: float, cycle: int, grade: str
) -> None:
    assert grade_for(share, cycle, TABLE) == CreditGrade(grade)


def test_grade_thresholds_come_from_the_table_given() -> None:
    lenient = [
        CreditThreshold(grade=CreditGrade.A, min_collected_share=0.5, max_payment_cycle_days=400)
    ]
    assert grade_for(0.5, 400, lenient) == CreditGrade.A
    assert grade_for(0.49, 10, lenient) == CreditGrade.E


def test_no_facts_means_unrated() -> None:
    assert rate(CreditFacts(None, None, 0), TABLE) is None
    assert rate(CreditFacts(0.95, 30, 1), TABLE) == CreditGrade.A


AS_OF = date(2025, 6, 30)


def invoice(
    amount: str, paid: str, issued: date, due: date, paid_on: date | None = None
) -> ReceivableFact:
    return ReceivableFact(Decimal(amount), Decimal(paid), issued, due, paid_on)


def test_facts_share_counts_invoices_due_within_the_window() -> None:
    facts = credit_facts(
        [
            invoice("100", "100", date(2025, 1, 1), date(2025, 1, 31), date(2025, 2, 10)),
            invoice("300", "150", date(2025, 3, 1), date(2025, 3, 31), date(2025, 4, 1)),
            invoice("999", "0", date(2025, 6, 1), date(2025, 7, 31)),  # not yet due: ignored
            invoice("999", "0", date(2023, 1, 1), date(2023, 6, 29)),  # due before the window
        ],
        AS_OF,
        24,
    )
    assert facts.collected_share == pytest.approx(250 / 400)
    assert facts.receivables_counted == 2
    # settled: 40 days; partly paid, still running: 2025-03-01 .. 2025-06-30 = 121 days
    assert facts.longest_payment_cycle_days == 121


def test_facts_window_bounds_are_inclusive() -> None:
    start = months_before(AS_OF, 24)
    assert start == date(2023, 6, 30)
    on_start = invoice("10", "10", date(2023, 6, 1), start, date(2023, 6, 5))
    on_as_of = invoice("10", "10", date(2025, 6, 1), AS_OF, date(2025, 6, 3))
    assert credit_facts([on_start, on_as_of], AS_OF, 24).receivables_counted == 2


def test_facts_overpayment_does_not_raise_the_share() -> None:
    facts = credit_facts(
        [invoice("100", "150", date(2025, 1, 1), date(2025, 1, 31), date(2025, 1, 5))], AS_OF, 24
    )
    assert facts.collected_share == 1.0
    assert facts.longest_payment_cycle_days == 4


def test_facts_without_due_invoices_are_empty() -> None:
    assert credit_facts([], AS_OF, 24) == CreditFacts(None, None, 0)


def test_months_before_clamps_to_the_end_of_month() -> None:
    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2025, 1, 15), 24) == date(2023, 1, 15)


# --- lifecycle ----------------------------------------------------------------------------

P, R, C, L = (LifecycleStage(s) for s in ("potential", "prospect", "customer", "lost"))


@pytest.mark.parametrize(
    ("current", "target", "name"),
    [
        (P, R, "engaged"),
        (P, C, "converted"),  # the walk-in purchase
        (R, C, "converted"),
        (R, L, "lost"),
        (C, L, "lost"),
        (L, C, "recovered"),
        (L, R, "re_engaged"),
    ],
)
def test_allowed_transitions(current: LifecycleStage, target: LifecycleStage, name: str) -> None:
    assert transition_name(current, target) == name


@pytest.mark.parametrize(
    ("current", "target"),
    [(P, L), (R, P), (C, P), (C, R), (L, P), (P, P), (C, C), (L, L), (R, R)],
)
def test_refused_transitions_name_the_allowed_ones(
    current: LifecycleStage, target: LifecycleStage
) -> None:
    with pytest.raises(TransitionRefusedError) as refused:
        transition_name(current, target)
    assert refused.value.allowed == allowed_targets(current)
    for allowed in refused.value.allowed:
        assert str(allowed) in str(refused.value)


def test_every_transition_is_named_and_phases_follow_the_domain() -> None:
    assert len(TRANSITIONS) == 7
    assert allowed_targets(C) == [L]
    assert PHASE_AFTER["recovered"] == "recovery"
    assert PHASE_AFTER["converted"] == "establishment"
    assert PHASE_AFTER["lost"] is None


# --- merge --------------------------------------------------------------------------------


def test_merge_keeps_survivor_values_and_fills_the_gaps() -> None:
    survivor = {"email": "a@x.org", "phone": None, "city": "", "company": "Acme", "tags": ["vip"]}
    duplicate = {"email": "b@x.org", "phone": "+14155550132", "city": "Berlin", "company": None,
                 "tags": ["b2b", "vip"], "region": "EU"}  # fmt: skip
    changes = merge_values(
        survivor, duplicate, ["email", "phone", "city", "company", "region", "tags"]
    )
    assert changes == {
        "phone": "+14155550132",
        "city": "Berlin",
        "region": "EU",
        "tags": ["b2b", "vip"],
    }


def test_merge_unites_tag_lists_and_reports_no_change_when_nothing_to_take() -> None:
    same = {"email": "a@x.org", "tags": ["vip"], "lifestyle": ["outdoor"]}
    assert merge_values(same, {"email": None, "tags": ["vip"], "lifestyle": []}) == {}
    changes = merge_values(same, {"lifestyle": ["urban", "outdoor"]})
    assert changes == {"lifestyle": ["outdoor", "urban"]}


def test_merge_takes_falsy_but_present_values() -> None:
    # 0 employees and a 0 % market share are facts, not gaps.
    changes = merge_values(
        {"employees": None, "market_share": None}, {"employees": 0, "market_share": 0.0}
    )
    assert changes == {"employees": 0, "market_share": 0.0}


def test_merged_consent_is_the_most_recent_decision_per_channel() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    survivor = [
        Decision(ConsentChannel.EMAIL, True, t0, 1),
        Decision(ConsentChannel.SMS, True, t0 + timedelta(days=5), 2),
    ]
    duplicate = [
        Decision(ConsentChannel.EMAIL, False, t0 + timedelta(days=1), 3),  # newer opt-out wins
        Decision(ConsentChannel.SMS, False, t0, 4),  # older: loses
        Decision(ConsentChannel.POST, True, t0, 5),
    ]
    assert current_consent([*survivor, *duplicate]) == {
        ConsentChannel.EMAIL: False,
        ConsentChannel.SMS: True,
        ConsentChannel.POST: True,
    }


def test_consent_tie_on_time_goes_to_the_later_recorded() -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    decisions = [
        Decision(ConsentChannel.EMAIL, False, t0, 2),
        Decision(ConsentChannel.EMAIL, True, t0, 1),
    ]
    assert current_consent(decisions) == {ConsentChannel.EMAIL: False}
    assert current_consent([]) == {}


# --- normalisation ------------------------------------------------------------------------


def test_email_is_lower_cased_and_trimmed_only() -> None:
    assert normalize_email("  Ann.Lee+crm@Example.ORG ") == "ann.lee+crm@example.org"
    assert normalize_email("   ") is None
    assert normalize_email(None) is None


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("(415) 555-0132", "US", "+14155550132"),
        ("415.555.0132", "US", "+14155550132"),
        ("+1 415 555 0132", "DE", "+14155550132"),  # a country code beats the region
        ("030 12345678", "DE", "+493012345678"),
        ("+49 30 12345678", "US", "+493012345678"),
        ("", "US", None),
        (None, "US", None),
    ],
)
def test_phone_is_normalised_to_e164(text: str | None, region: str, expected: str | None) -> None:
    assert normalize_phone(text, region) == expected


@pytest.mark.parametrize(
    "text", ["12", "not a phone", "+1 555 0000", "(000) 000-0000", "+999 1234"]
)
def test_invalid_phone_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidPhoneNumberError):
        normalize_phone(text, "US")


def test_name_company_key_is_case_and_space_insensitive() -> None:
    assert name_company_key("  ACME   Corp ", None, is_individual=False) == "acme corp|"
    assert name_company_key("Acme corp", "", is_individual=False) == "acme corp|"
    assert name_company_key("Ann  Lee", "Acme", is_individual=True) == name_company_key(
        "ann lee", " ACME ", is_individual=True
    )
    # An individual's name alone says too little (two John Smiths are two people).
    assert name_company_key("John Smith", None, is_individual=True) is None
    assert fold("Straße") == "strasse"


def test_tags_are_folded_and_deduplicated() -> None:
    assert normalize_tags([" VIP", "vip", "B2B ", "  "]) == ["b2b", "vip"]


# --- erasure and CSV ----------------------------------------------------------------------


def test_erasure_clears_everything_personal_and_keeps_the_counting_fields() -> None:
    columns = ["id", "kind", "status", "lifecycle_stage", "created_at", "name", "email", "phone",
               "birth_date", "street", "lifestyle", "credit_grade", "external_id"]  # fmt: skip
    values = scrubbed_values(columns)
    assert values["name"] == ERASED_NAME
    assert values["lifestyle"] == []
    for cleared in ("email", "phone", "birth_date", "street", "credit_grade", "external_id"):
        assert values[cleared] is None
    for kept in ("id", "kind", "status", "lifecycle_stage", "created_at"):
        assert kept not in values


def test_csv_cells_nest_into_the_request_body() -> None:
    body = nest(
        {"name": "Ann", "city": "Berlin", "tags": "vip| b2b |", "status": "merged", "id": "x"}
    )
    assert body == {"name": "Ann", "geographic": {"city": "Berlin"}, "tags": ["vip", "b2b"]}
    assert unknown_columns(["name", "shoe_size"]) == ["shoe_size"]
    assert len(set(EXPORT_COLUMNS)) == len(EXPORT_COLUMNS)
