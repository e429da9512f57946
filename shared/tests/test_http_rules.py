"""The HTTP rules every service keeps, through a small app built like a service's
(``crm_shared.api.conventions.http_app``): methods and OPTIONS, 304, control characters,
body errors (400, 413, 415), CORS, the offline docs and the OpenAPI that documents it all."""

from typing import Annotated, Any

import httpx
import pytest
from crm_shared.api.concurrency import etag_for
from crm_shared.api.conventions import http_app
from crm_shared.api.problems import PROBLEM_JSON
from crm_shared.settings import ServiceSettings
from fastapi import APIRouter, FastAPI, Form, Header, Response
from pydantic import BaseModel


class Thing(BaseModel):
    name: str
    tags: list[str] = []


def make_app(**settings: Any) -> FastAPI:
    app = http_app(ServiceSettings(max_request_bytes=4096, **settings), title="rules")

    @app.get("/things/duplicates")
    async def duplicates() -> list[str]:
        return []

    @app.get("/things/{thing_id}")
    async def read(thing_id: str, response: Response) -> Thing:
        response.headers["ETag"] = etag_for(3)
        return Thing(name=thing_id)

    @app.patch("/things/{thing_id}")
    async def change(
        thing_id: str,
        thing: Thing,
        if_match: Annotated[str | None, Header(alias="If-Match")] = None,
    ) -> Thing:
        return thing

    @app.post("/things")
    async def create(thing: Thing) -> Thing:
        return thing

    routed = APIRouter(prefix="/routed")  # included routers count as much as the app's own

    @routed.get("/literal")
    async def literal() -> dict[str, str]:
        return {}

    @routed.delete("/{thing_id}")
    async def remove(thing_id: str) -> None:
        return None

    app.include_router(routed)

    @app.post("/uploads")
    async def upload(note: Annotated[str, Form()]) -> dict[str, str]:
        return {"note": note}

    return app


@pytest.fixture
def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_options_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.options("/things/t-1")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, OPTIONS, PATCH"
    assert_problem(await client.options("/nowhere"), 404)


async def test_a_literal_path_beats_a_parameter(client: httpx.AsyncClient) -> None:
    response = await client.patch("/things/duplicates", json={"name": "x"})
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, OPTIONS"


async def test_routes_of_included_routers_count(client: httpx.AsyncClient) -> None:
    assert (await client.options("/routed/t-1")).headers["allow"] == "DELETE, OPTIONS"
    literal = await client.delete("/routed/literal")
    assert_problem(literal, 405)
    assert literal.headers["allow"] == "GET, OPTIONS"


async def test_a_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete("/things/t-1")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, OPTIONS, PATCH"


async def test_if_none_match_with_the_current_etag_gives_304(client: httpx.AsyncClient) -> None:
    fresh = await client.get("/things/t-1", headers={"If-None-Match": '"3"'})
    assert fresh.status_code == 304
    assert fresh.content == b""
    assert fresh.headers["etag"] == '"3"'
    weak = await client.get("/things/t-1", headers={"If-None-Match": 'W/"3", "9"'})
    assert weak.status_code == 304
    stale = await client.get("/things/t-1", headers={"If-None-Match": '"2"'})
    assert stale.status_code == 200
    assert stale.json() == {"name": "t-1", "tags": []}


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"name": "a\u0000b"}, "body.name"),
        ({"name": "ok", "tags": ["x", "\u0007"]}, "body.tags.1"),
        ({"name": "c1 \u0085 control"}, "body.name"),
        ({"name": "del \u007f"}, "body.name"),
    ],
)
async def test_control_characters_in_a_json_body_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any], location: str
) -> None:
    problem = assert_problem(await client.post("/things", json=body), 422)
    assert [error["location"] for error in problem["errors"]] == [location]
    assert "control characters are not accepted" in problem["detail"]


async def test_tabs_and_newlines_are_text(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "two\nlines\tand a tab"})
    assert response.status_code == 200


async def test_control_characters_in_the_query_or_path_are_refused(
    client: httpx.AsyncClient,
) -> None:
    problem = assert_problem(await client.get("/things/t-1", params={"q": "a\x00"}), 422)
    assert problem["errors"][0]["location"] == "query.q"
    assert_problem(await client.get("/things/t%00-1"), 422)


async def test_body_errors_each_have_their_status(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json"}
    malformed = await client.post("/things", content=b'{"name": ', headers=headers)
    assert assert_problem(malformed, 400)["type"].endswith("/malformed-body")

    plain = {"content-type": "text/plain"}
    as_text = await client.post("/things", content=b"name=x", headers=plain)
    detail = assert_problem(as_text, 415)["detail"]
    assert detail == "send the body as application/json (got text/plain)"
    assert as_text.headers["accept-post"] == "application/json"

    form_as_json = await client.post("/uploads", json={"note": "x"})
    assert_problem(form_as_json, 415)

    too_big = await client.post("/things", json={"name": "x" * 5000})
    assert_problem(too_big, 413)

    invalid = await client.post("/things", json={"name": 5})
    assert_problem(invalid, 422)


async def test_cors_is_closed_unless_origins_are_set(client: httpx.AsyncClient) -> None:
    preflight = {"Origin": "http://app.example", "Access-Control-Request-Method": "PATCH"}
    closed = await client.options("/things/t-1", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers

    app = make_app(cors_allow_origins="http://app.example")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as open_client:
        allowed = await open_client.options(
            "/things/t-1", headers={**preflight, "Access-Control-Request-Headers": "if-match"}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://app.example"
        assert "If-Match" in allowed.headers["access-control-allow-headers"]
        read = await open_client.get("/things/t-1", headers={"Origin": "http://app.example"})
        assert "ETag" in read.headers["access-control-expose-headers"]
        other = await open_client.options(
            "/things/t-1", headers={**preflight, "Origin": "http://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers


async def test_docs_are_served_without_internet(client: httpx.AsyncClient) -> None:
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = (await client.get(page)).text
        assert f"/docs/assets/{asset}" in html
        assert "cdn" not in html.lower()
        served = await client.get(f"/docs/assets/{asset}")
        assert served.status_code == 200
        assert len(served.content) > 100_000


async def test_the_openapi_documents_every_answer(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    change = document["paths"]["/things/{thing_id}"]["patch"]
    assert {"400", "404", "412", "413", "415", "422", "428"} <= set(change["responses"])
    for status, response in change["responses"].items():
        if int(status) >= 400:
            assert list(response["content"]) == [PROBLEM_JSON], status
    if_match = next(p for p in change["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is True
    read = document["paths"]["/things/{thing_id}"]["get"]
    assert "304" in read["responses"]
    assert any(p["name"] == "If-None-Match" for p in read["parameters"])
    assert "ProblemDetails" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_a_streamed_body_over_the_limit_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: chunked
        for _ in range(10):
            yield b" " * 1000

    headers = {"content-type": "application/json"}
    response = await client.post("/things", content=chunks(), headers=headers)
    assert_problem(response, 413)
