"""Health, readiness, Prometheus metrics and the correlation id of every request."""

import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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
    @app.middleware("http")
    async def correlate_and_measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        correlation = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        request.state.correlation_id = correlation
        token = correlation_id.set(correlation)  # for log lines only; events get it explicitly
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        HTTP_LATENCY.labels(service, request.method, template).observe(
            time.perf_counter() - started
        )
        HTTP_REQUESTS.labels(service, request.method, template, str(response.status_code)).inc()
        response.headers[CORRELATION_HEADER] = correlation
        return response
