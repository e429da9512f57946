"""Schemathesis hooks (``SCHEMATHESIS_HOOKS=tests.contract.hooks``): behave as a real client
where the API asks it to.

An Idempotency-Key names one request: a client sends a new key with each new request. Left
to itself, the generator reuses one key for different bodies, which the API rightly refuses
(422, "key reused for a different request")."""

import uuid
from typing import Any

import schemathesis


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = str(uuid.uuid4())


# Rules that hold between a value and the world (a phone number's numbering plan, a mail
# domain that can receive mail, a referenced record that must exist) or between fields (a
# receivable's amounts and dates; an order's lines whose total exceeds what money columns
# hold; a webhook URL that must be safe to send to, patterns the
# partner's scopes must allow): the
# OpenAPI describes them and documents the 422, but JSON Schema cannot state them, so a
# schema-valid body may break one. Each has its own problem type or error type.
BEYOND_THE_SCHEMA = (
    "/invalid-phone-number",
    "/inconsistent-receivable",
    "/unknown-reference",
    "/webhook-url-refused",
    "/webhook-scope-not-granted",
    "/stage-move-refused",  # sales: a stage move, loss reason or override the rules refuse
    "/invalid-window",  # sales: pipeline analysis's from after to, or a window too long
    "/amount-too-large",  # sales: a total beyond the money columns
    "/survey-answers-refused",  # support: items not of the questionnaire, or answered twice
    "/currency-mismatch",  # support: a recovery in another currency than the ticket's others
    "/invalid-period",  # support: a week or month of the pattern that does not exist (2026-W60)
    "/cause-not-of-category",  # support: a standard answer's cause its category does not admit
    "/unknown-band",  # analytics: an age or spend band the settings do not name
    "/campaign-inconsistent",  # marketing: e-mail's subject, HTML for e-mail only, end after start
    "/member-event-inconsistent",  # marketing: an event ahead, its reminder after the invitations
)
BEYOND_THE_SCHEMA_ERRORS = {"email_address"}


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a schema-valid body refused by one of those rules."""
    if getattr(failure, "code", None) == "ST202" and (
        _token_replaced(response) or _null_link_followed(case)
    ):
        return False
    if getattr(failure, "code", None) != "ST202" or response.status_code != 422:
        return True
    try:
        problem = response.json()
    except ValueError:
        return True
    if str(problem.get("type", "")).endswith(BEYOND_THE_SCHEMA):
        return False
    error_types = {error.get("type") for error in problem.get("errors") or [{}]}
    return not error_types <= BEYOND_THE_SCHEMA_ERRORS


def _null_link_followed(case: Any) -> bool:
    """A path parameter the stateful phase took from a null field of an earlier answer (a
    lead not converted yet has ``"opportunity_id": null``; the tool then asks for
    ``/v1/opportunities/None/history``): the 422 is right, and says nothing of the link."""
    values = (getattr(case, "path_parameters", None) or {}).values()
    return any(value is None or value == "None" for value in values)


def _token_replaced(response: Any) -> bool:
    """A 401 to a request whose Authorization is not the configured bearer token: fuzzing an
    operation, the generator may send an Authorization header of its own ("SPSJS", empty)
    in place of the token, and the 401 says nothing of the operation (the auth checks test
    the missing and the ignored token on their own)."""
    if response.status_code != 401:
        return False
    request = getattr(response, "request", None)
    sent = str(getattr(request, "headers", {}).get("Authorization") or "")
    return not sent.lower().startswith("bearer ")
