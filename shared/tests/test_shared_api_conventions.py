"""Problem details, cursors and optimistic concurrency, through a small FastAPI app."""

import httpx
import pytest
from crm_shared.api import Problem, decode_cursor, encode_cursor, etag_for
from crm_shared.api.concurrency import parse_if_match
from crm_shared.api.problems import PROBLEM_JSON, TYPE_BASE, install_problem_handlers, problem_from
from crm_shared.errors import DomainError
from crm_shared.preconditions import check_version
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.exc import TimeoutError as PoolTimeoutError


class Thing(BaseModel):
    name: str
    size: int


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(thing: Thing) -> Thing:
        return thing

    @app.get("/conflict")
    async def conflict() -> None:
        raise Problem(409, "it clashes", clash_with="t-1")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/busy")
    async def busy() -> None:
        raise PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached")

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_validation_errors_are_problem_details_naming_each_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": "x", "size": "big"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 422
    assert body["instance"] == "/things"
    assert [e["location"] for e in body["errors"]] == ["body.size"]
    assert "body.size" in body["detail"]


async def test_domain_problem_keeps_its_extensions(client: httpx.AsyncClient) -> None:
    response = await client.get("/conflict")
    assert response.status_code == 409
    assert response.json()["clash_with"] == "t-1"


async def test_unknown_route_is_a_problem_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_unexpected_errors_do_not_leak_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.headers["content-type"] == PROBLEM_JSON


def test_cursor_round_trip() -> None:
    values = {"created_at": "2026-11-24T00:00:00+00:00", "id": "c-9"}
    assert decode_cursor(encode_cursor(values)) == values
    assert decode_cursor(None) is None


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", encode_cursor({"a": 1})[:-3] + "!!"])
def test_forged_cursor_is_a_400_problem(cursor: str) -> None:
    with pytest.raises(DomainError) as raised:  # no HTTP in the codec: services decode too
        decode_cursor(cursor)
    problem = problem_from(raised.value)
    assert (problem.status, problem.type) == (400, TYPE_BASE + "invalid-cursor")
    assert problem.detail == "the cursor is not one this API issued"


def require_if_match(value: str | None, current: int) -> None:
    check_version(parse_if_match(value), current)


def test_if_match_accepts_the_current_etag_and_star() -> None:
    require_if_match(etag_for(4), 4)
    require_if_match('W/"4"', 4)
    require_if_match('"3", "4"', 4)
    require_if_match("*", 4)


def test_stale_if_match_is_412_missing_is_428_and_malformed_is_400() -> None:
    with pytest.raises(DomainError) as stale:
        require_if_match(etag_for(3), 4)
    problem = problem_from(stale.value)
    assert problem.status == 412
    assert problem.extensions["current_etag"] == '"4"'
    with pytest.raises(Problem) as missing:
        require_if_match(None, 4)
    assert missing.value.status == 428
    for malformed in ("1", "null", "", '"4'):
        with pytest.raises(Problem) as refused:
            require_if_match(malformed, 4)
        assert refused.value.status == 400


async def test_no_free_database_connection_is_503_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/busy")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"] == TYPE_BASE + "busy"
