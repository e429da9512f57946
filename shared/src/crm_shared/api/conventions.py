"""Everything an HTTP app of the platform gets, in one place: problem details for every error,
the HTTP rules (:mod:`crm_shared.api.http_rules`), CORS, the body limit, the rate-limit
headers, a truthful OpenAPI and its documentation served offline."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from crm_shared.api.docs import install_offline_docs
from crm_shared.api.http_rules import (
    BodyLimit,
    ConditionalGet,
    MethodRules,
    PlainText,
    SecurityHeaders,
)
from crm_shared.api.idempotency import REPLAYED_HEADER
from crm_shared.api.observability import CORRELATION_HEADER, install_request_middleware
from crm_shared.api.openapi import install_truthful_openapi
from crm_shared.api.problems import install_problem_handlers
from crm_shared.api.ratelimit import RateLimitHeaders
from crm_shared.settings import ServiceSettings

# What browsers may send and read across origins: our conventions' headers.
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Actor",  # once how a caller named itself; still accepted (and ignored)
    CORRELATION_HEADER,
)
CORS_RESPONSE_HEADERS = (
    "ETag",
    "Location",
    "Content-Location",
    REPLAYED_HEADER,
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    CORRELATION_HEADER,
)


def http_app(settings: ServiceSettings, **fastapi_arguments: object) -> FastAPI:
    """A FastAPI app with the platform's conventions; routes are added by the caller."""
    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        **fastapi_arguments,  # type: ignore[arg-type]
    )
    install_problem_handlers(app)
    install_offline_docs(app)
    install_truthful_openapi(app)
    # Added innermost first: observability sees every answer, CORS answers preflights.
    app.add_middleware(ConditionalGet)
    app.add_middleware(PlainText)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(MethodRules, api=app)
    app.add_middleware(RateLimitHeaders)  # outside ConditionalGet: a 304 carries them too
    app.add_middleware(SecurityHeaders)
    origins = [origin.strip() for origin in settings.cors_allow_origins.split(",") if origin]
    if origins or settings.cors_allow_origin_regex:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_origin_regex=settings.cors_allow_origin_regex or None,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_RESPONSE_HEADERS),
            max_age=600,
        )
    install_request_middleware(app, settings.service_name)
    return app
