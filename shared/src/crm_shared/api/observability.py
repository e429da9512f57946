"""Health, readiness, Prometheus metrics and the correlation id of every request."""

import time
import uuid

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.api.deps import RuntimeDep
from crm_shared.logging import correlation_id
from crm_shared.metrics import HTTP_LATENCY, HTTP_REQUESTS

CORRELATION_HEADER = "X-Correlation-ID"

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database and broker reachable, every worker running and ready",
)
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    """``checks``: database, broker and a summary of the workers; ``workers``: each
    background worker's own status ("ok", "stopped", or why not ready, e.g. a consumer
    "waiting for partitions"). Ready (200) only when every check is "ok"."""
    checks = await runtime.readiness()
    ready = all(check == "ok" for check in checks.values())
    body = {
        "status": "ready" if ready else "not ready",
        "checks": checks,
        "workers": runtime.worker_status(),
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def install_request_middleware(app: FastAPI, service: str) -> None:
    app.add_middleware(RequestObservability, service=service)


class RequestObservability:
    """Correlation id and Prometheus figures of every request, as plain ASGI middleware
    (Starlette's ``BaseHTTPMiddleware`` costs a task group and memory streams per request)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(CORRELATION_HEADER)
        correlation = given or str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation
        status = 500  # unless a response starts: an exception escaped every handler
        header = (CORRELATION_HEADER.lower().encode(), correlation.encode("latin-1"))

        async def send_with_correlation(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = correlation_id.set(correlation)  # for log lines only; events get it explicitly
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_correlation)
        finally:
            correlation_id.reset(token)
            template = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_LATENCY.labels(self.service, method, template).observe(
                time.perf_counter() - started
            )
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
