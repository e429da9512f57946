"""Rate limits at the HTTP edge: who pays, and what the answer says.

- Every request with a verified bearer token costs its caller one unit, charged where the
  token is checked (:func:`crm_shared.api.auth.get_principal`), so before the permission
  check: refused and forbidden calls count too. The caller is the partner client
  (``client:<id>``) or the person (``user:<sub>``); a partner client's limit comes from its
  token's ``rate_limit_per_minute`` claim, else ``CRM_RATE_LIMIT_CLIENT_PER_MINUTE``; a
  person's is ``CRM_RATE_LIMIT_PER_MINUTE``.
- Bulk routes charge their rows to the caller's bucket of policy ``"bulk"``
  (``CRM_RATE_LIMIT_BULK_ROWS_PER_MINUTE``), apart from its requests: :func:`charge_rows`
  before the work (a CSV import, which answers 429 with nothing imported), :func:`spend_rows`
  after it (the streamed export, which cannot be refused once it has started: its rows are
  owed, and the next bulk request waits).
- Over the limit: ``429`` problem (``…/problems/rate-limited``) with ``Retry-After``.
- Every answer to a charged request carries ``RateLimit-Policy`` and ``RateLimit``
  (draft-ietf-httpapi-ratelimit-headers-11, structured fields):
  ``RateLimit-Policy: "default";q=600;w=60`` (the quota per window, which is also the burst)
  and ``RateLimit: "default";r=599;t=1`` (units remaining, seconds until the bucket is full;
  on a 429, until the retry may pass, as ``Retry-After``).

Unauthenticated requests (401) cost nothing here; health, metrics and docs are never limited.
The buckets are per service instance (:mod:`crm_shared.ratelimit`): N replicas allow N times
the limit.
"""

from collections.abc import Callable

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.api.problems import TYPE_BASE, Problem
from crm_shared.auth.tokens import Principal
from crm_shared.clock import Clock
from crm_shared.metrics import RATE_LIMITED
from crm_shared.ratelimit import Decision, Policy, RateLimiter
from crm_shared.settings import ServiceSettings

RATE_LIMITED_TYPE = TYPE_BASE + "rate-limited"
_STATE = "rate_limit"  # the request's latest Decision, in the ASGI scope's state


class RateLimits:
    """The service's policies and its buckets (``app.state.rate_limits``)."""

    def __init__(self, settings: ServiceSettings, clock: Clock) -> None:
        self.service = settings.service_name
        self.enabled = settings.rate_limit_enabled
        self.window_seconds = settings.rate_limit_window_seconds
        self.limiter = RateLimiter(clock, max_callers=settings.rate_limit_max_callers)
        self.people = self.per_minute(settings.rate_limit_per_minute)
        self.clients = self.per_minute(settings.rate_limit_client_per_minute)
        self.bulk = self.per_minute(settings.rate_limit_bulk_rows_per_minute, "bulk")

    def per_minute(self, per_minute: int, name: str = "default") -> Policy:
        return Policy.per_minute(per_minute, self.window_seconds, name)

    def policy_for(self, principal: Principal) -> Policy:
        if not principal.is_client:
            return self.people
        own = principal.rate_limit_per_minute
        return self.clients if own is None else self.per_minute(own)


def install_rate_limits(app: FastAPI, settings: ServiceSettings, clock: Clock) -> None:
    app.state.rate_limits = RateLimits(settings, clock)


def _limits(request: Request) -> RateLimits | None:
    limits: RateLimits | None = getattr(request.app.state, "rate_limits", None)
    return limits if limits is not None and limits.enabled else None


def caller_key(principal: Principal) -> str:
    return f"client:{principal.client_id}" if principal.is_client else f"user:{principal.subject}"


def _caller_kind(principal: Principal) -> str:
    return "client" if principal.is_client else "person"


def charge_caller(request: Request, principal: Principal) -> None:
    """One unit for this request, or a 429 problem."""
    if (limits := _limits(request)) is None:
        return
    decision = limits.limiter.charge(caller_key(principal), limits.policy_for(principal))
    _record(request, limits, decision, _caller_kind(principal))


def charge_rows(request: Request, rows: int) -> None:
    """A bulk request costs its rows from the caller's bulk bucket (its request was paid for
    with the token check), or a 429 problem: call it before doing the work."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if (limits := _limits(request)) is None or principal is None:
        return
    decision = limits.limiter.charge(_bulk_key(principal), limits.bulk, max(rows, 1))
    _record(request, limits, decision, _caller_kind(principal))


def spend_rows(request: Request, rows: int) -> None:
    """Rows already served (a streamed answer): owed whatever the bucket holds."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if (limits := _limits(request)) is None or principal is None or rows <= 0:
        return
    limits.limiter.spend(_bulk_key(principal), limits.bulk, rows)


def _bulk_key(principal: Principal) -> str:
    return f"bulk:{caller_key(principal)}"


def rows_meter(request: Request, *, served: bool = False) -> Callable[[int], None]:
    """What a route hands to a service that counts rows (services never import this edge):
    ``charge_rows`` for work not done yet; for rows sent (``served=True``) a 429 now while
    the caller's bulk rows are in debt, then ``spend_rows`` as they go."""
    if not served:
        return lambda rows: charge_rows(request, rows)
    charge_rows(request, 1)
    return lambda rows: spend_rows(request, rows)


def charge_public(request: Request, name: str, key: str, per_minute: int) -> None:
    """One unit of policy ``name`` for a public endpoint, keyed by what the caller claims to
    be (the token endpoint: the client id or user name, which slows the guessing of its
    secret), or a 429 problem."""
    if (limits := _limits(request)) is None:
        return
    policy = limits.per_minute(per_minute, name)
    _record(request, limits, limits.limiter.charge(f"{name}:{key}", policy), name)


def _record(request: Request, limits: RateLimits, decision: Decision, caller: str) -> None:
    request.state.rate_limit = decision
    if decision.allowed:
        return
    RATE_LIMITED.labels(limits.service, caller).inc()
    raise Problem(
        429,
        f"too many requests: this caller may make {decision.policy.quota} per "
        f"{decision.policy.window_seconds} s (bulk operations count their rows); "
        f"retry in {decision.retry_after_seconds} s",
        type_=RATE_LIMITED_TYPE,
        headers={"Retry-After": str(decision.retry_after_seconds)},
    )


def policy_header(policy: Policy) -> str:
    return f'"{policy.name}";q={policy.quota};w={policy.window_seconds}'


def limit_header(decision: Decision) -> str:
    return f'"{decision.policy.name}";r={decision.remaining};t={decision.reset_seconds}'


class RateLimitHeaders:
    """Adds ``RateLimit-Policy`` and ``RateLimit`` to the answer of every charged request
    (plain ASGI middleware: the charge happens inside the route's dependencies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_limits(message: Message) -> None:
            decision: Decision | None = state.get(_STATE)
            if message["type"] == "http.response.start" and decision is not None:
                headers = [
                    *message.get("headers", ()),
                    (b"ratelimit-policy", policy_header(decision.policy).encode()),
                    (b"ratelimit", limit_header(decision).encode()),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_limits)
