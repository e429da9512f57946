"""Check an RFC 9457 problem answer (what every refused request must look like)."""

from typing import Any

import httpx

from crm_shared.api.problems import PROBLEM_JSON


def assert_problem(response: httpx.Response, status: int, *, contains: str = "") -> dict[str, Any]:
    """``response`` is a problem of ``status`` whose detail contains ``contains`` (any case);
    returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert contains.lower() in body["detail"].lower(), body["detail"]
    return body
