"""Sign-in, the session, what a role sees, and the rules every console route follows."""

import httpx
import pytest
from crm_console.app import create_app
from crm_console.session import SESSION_COOKIE
from crm_shared.api.auth import api_routes, declared_permission

from services.console.tests.console_fakes import FakeServices, settings


async def test_a_page_without_a_session_sends_the_person_to_sign_in(
    console: httpx.AsyncClient,
) -> None:
    response = await console.get("/customers?q=anna")

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fcustomers%3Fq%3Danna"


async def test_an_htmx_request_without_a_session_is_redirected_by_htmx(
    console: httpx.AsyncClient,
) -> None:
    response = await console.get(
        "/customers", headers={"HX-Request": "true", "HX-Current-URL": "http://x/sales?o=1"}
    )

    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/sign-in?next=%2Fsales%3Fo%3D1"


async def test_sign_in_uses_the_identity_services_password_grant_and_keeps_the_token(
    console: httpx.AsyncClient, services: FakeServices
) -> None:
    services.on(
        "POST",
        "identity",
        "/v1/oauth/token",
        {"access_token": "the-token", "token_type": "Bearer", "expires_in": 900, "scope": ""},
    )

    response = await console.post(
        "/sign-in",
        data={"email": "rep@crm.example.com", "password": "secret", "next": "/sales"},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/sales"
    [call] = services.writes("identity")
    assert call.body == "grant_type=password&username=rep%40crm.example.com&password=secret"
    cookie = next(h for h in response.headers.get_list("set-cookie") if SESSION_COOKIE in h)
    assert "the-token" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age=900" in cookie


async def test_a_refused_sign_in_shows_the_identity_services_reason(
    console: httpx.AsyncClient, services: FakeServices
) -> None:
    services.on(
        "POST",
        "identity",
        "/v1/oauth/token",
        {"error": "invalid_grant", "error_description": "the username or password is not correct"},
        status=400,
    )

    response = await console.post("/sign-in", data={"email": "a@b.c", "password": "wrong"})

    assert response.status_code == 401
    assert "the username or password is not correct" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
async def test_sign_in_never_redirects_to_another_site(
    console: httpx.AsyncClient, services: FakeServices, target: str
) -> None:
    services.on(
        "POST",
        "identity",
        "/v1/oauth/token",
        {"access_token": "t", "token_type": "Bearer", "expires_in": 60, "scope": ""},
    )

    response = await console.post(
        "/sign-in", data={"email": "a@b.c", "password": "p", "next": target}
    )

    assert response.headers["location"] == "/"


async def test_the_navigation_follows_the_role(console: httpx.AsyncClient, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in("support")

    page = (await console.get("/")).text

    assert 'href="/service"' in page
    assert 'href="/customers"' in page
    assert 'href="/marketing"' not in page
    assert 'href="/analytics"' not in page


async def test_a_bearer_token_opens_the_pages_without_a_session(
    console: httpx.AsyncClient,
) -> None:
    from crm_shared.testing.auth import bearer, token_for

    response = await console.get("/", headers=bearer(token_for("analyst")))

    assert response.status_code == 200
    assert 'href="/analytics"' in response.text


async def test_an_expired_token_asks_to_sign_in_again(console: httpx.AsyncClient) -> None:
    from datetime import UTC, datetime, timedelta

    from crm_shared.testing.auth import token_for

    old = token_for("admin", now=datetime.now(UTC) - timedelta(hours=3))
    console.cookies.set(SESSION_COOKIE, old)

    response = await console.get("/")

    assert response.status_code == 303
    assert "reason=your%20session%20has%20ended" in response.headers["location"]


async def test_a_cookie_write_from_another_origin_is_refused(
    console: httpx.AsyncClient, services: FakeServices, sign_in
) -> None:  # type: ignore[no-untyped-def]
    sign_in("admin")

    response = await console.post(
        "/sign-out-everywhere-is-not-a-route", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code in (404, 405)  # no such route: the check runs per route

    forged = await console.post(
        "/customers/c-1/erase", headers={"Origin": "https://evil.example"}, data={}
    )
    assert forged.status_code in (403, 404, 405)
    assert services.writes() == []


def test_every_console_route_declares_who_may_call_it() -> None:
    app = create_app(settings(), transport=FakeServices().transport)

    undeclared = [route.path for route in api_routes(app) if declared_permission(route) is None]

    assert undeclared == []


async def test_every_answer_forbids_inline_scripts_and_framing(console: httpx.AsyncClient) -> None:
    for response in (
        await console.get("/sign-in"),
        await console.get("/customers"),  # the redirect to sign in
        await console.get("/static/js/console.js"),
    ):
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
