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
