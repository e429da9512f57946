"""OWASP API8 (security misconfiguration) and API9 (improper inventory management), for
every service: each answer carries the platform's security headers, and what the OpenAPI
documents is exactly what is served."""

import httpx
from crm_shared.api.auth import api_routes
from crm_shared.api.http_rules import SECURITY_HEADERS
from crm_shared.testing import app_client
from fastapi import FastAPI

# The documentation itself, and the Prometheus scrape (its own text format, for operators).
UNDOCUMENTED_ON_PURPOSE = {"/openapi.json", "/docs", "/redoc", "/metrics"}


async def test_every_answer_carries_the_security_headers(each_service_app: FastAPI) -> None:
    async with app_client(each_service_app, "http://service", role=None) as anonymous:
        answers = [
            await anonymous.get("/healthz"),
            await anonymous.get("/v1/events/catalog"),  # 401: no token
            await anonymous.get("/openapi.json"),
        ]
    async with app_client(each_service_app, "http://service") as admin:
        answers.append(await admin.get("/v1/events/catalog"))
    assert [answer.status_code for answer in answers] == [200, 401, 200, 200]
    for answer in answers:
        for name, value in SECURITY_HEADERS:
            assert answer.headers[name.decode()] == value.decode(), (answer.url, name)
        assert "cache-control" in answer.headers
        assert "strict-transport-security" not in answer.headers  # plain HTTP here
        assert "server" not in answer.headers


async def test_over_https_the_answer_asks_for_https_only(each_service_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=each_service_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://service") as http:
        answer = await http.get("/healthz")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_what_is_served_is_what_is_documented(each_service_app: FastAPI) -> None:
    served = {
        (route.path, method.lower())
        for route in api_routes(each_service_app)
        if route.path not in UNDOCUMENTED_ON_PURPOSE
        for method in route.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, operations in each_service_app.openapi()["paths"].items()
        for method in operations
    }
    assert served == documented
