"""The operator console: server-rendered pages (Jinja2 + htmx) over the services' APIs.

It owns no business data and no database: every page reads the services' APIs and every
change is a call to the service that owns it, with the signed-in person's token
(:mod:`crm_console.upstream`). The composition root: settings, the one HTTP client, the
token verifier, the routers.
"""

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from crm_shared.api.auth import public
from crm_shared.auth import TokenVerifier
from crm_shared.auth.jwks import RemoteJwks
from crm_shared.clock import SYSTEM_CLOCK, Clock
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from crm_console.pages import analytics, customers, home, marketing, sales, service, signin
from crm_console.settings import ConsoleSettings
from crm_console.web import PACKAGE, install_error_pages

ROUTERS = (signin, home, customers, sales, service, marketing, analytics)

# Every answer: scripts only from the console itself (the vendored libraries, no inline script,
# no eval), no framing (clickjacking), forms only to the console, nothing sniffed. Inline
# styles stay allowed: ECharts and htmx set them.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(
    settings: ConsoleSettings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    verifier: TokenVerifier | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> FastAPI:
    """``transport``: where the services' calls go (tests hand in the services' apps or a
    recorder); ``verifier``: the token check (tests hand in one with their own keys);
    ``clock``: what "today" is (a report's default period)."""
    settings = settings or ConsoleSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(
            transport=transport, timeout=settings.upstream_timeout_seconds
        ) as http:
            app.state.http = http
            yield

    app = FastAPI(
        title="CRM console",
        description="The operator console: the CRM's pages for people, over the services' APIs.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.upstream_urls = settings.upstream_urls()
    app.state.clock = clock
    app.state.token_verifier = verifier or TokenVerifier(
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        jwks_provider=RemoteJwks(settings.auth_jwks_url, transport=transport),
        remember_seconds=60.0,
    )
    install_error_pages(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.mount("/static", StaticFiles(directory=PACKAGE / "static"), name="static")
    for module in ROUTERS:
        app.include_router(module.router)

    @app.get("/healthz", dependencies=[public()], include_in_schema=False)
    @app.get("/readyz", dependencies=[public()], include_in_schema=False)
    async def alive() -> PlainTextResponse:
        # Ready as soon as it serves: a service that is away shows on the pages that need it.
        return PlainTextResponse("ok")

    return app
