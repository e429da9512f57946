"""The identity service: people, teams and partner clients; the OAuth 2.0 token endpoint and
the JWKS that every service verifies bearer tokens against; signing-key rotation.

Its own admin routes already need a bearer token with role admin, checked locally against
its own keys (``crm_shared.auth``).
"""

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from crm_shared.api.auth import install_token_verifier
from crm_shared.auth import TokenVerifier
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from crm_shared.workers import STANDARD_WORKERS, WorkerFactory
from fastapi import FastAPI

from crm_identity import models
from crm_identity.bootstrap import bootstrap, secrets_sealer
from crm_identity.clients.routes import router as clients_router
from crm_identity.handlers import CONSUMED_TOPICS, HANDLERS
from crm_identity.keys import service as keys
from crm_identity.keys.routes import router as keys_router
from crm_identity.settings import IdentitySettings
from crm_identity.teams.routes import router as teams_router
from crm_identity.tokens.routes import router as tokens_router
from crm_identity.users.routes import router as users_router
from crm_identity.web import SEALER_STATE
from crm_identity.webhooks.attempts import DeliveryAttempts, DeliveryPolicy
from crm_identity.webhooks.routes import router as webhooks_router
from crm_identity.webhooks.service import DELIVERY_TIMER
from crm_identity.webhooks.targets import TargetPolicy

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """Who may do what: users with a role and a team, teams with a manager, partner
clients with scopes; the OAuth 2.0 token endpoint (client credentials; a password grant for
people in development), the JWKS every service verifies tokens against, and signing-key
rotation with an overlap. Users, teams and partner clients are published on `crm.identity`
(keyed by id; never a secret). Signing keys and webhook secrets are stored sealed.
Partner webhooks: a partner client (scope `webhooks:manage`) subscribes a URL to event types;
identity consumes the domain topics and delivers each matching event its scopes allow,
signed per Standard Webhooks, with retries for about a day.
Every `/v1` route but the token endpoint needs a bearer token."""


def delivery_policy(settings: IdentitySettings) -> DeliveryPolicy:
    return DeliveryPolicy(
        targets=TargetPolicy(
            allow_private=bool(settings.webhook_allow_private_targets),
            allow_http=bool(settings.webhook_allow_http),
        ),
        timeout_seconds=settings.webhook_timeout_seconds,
        retry_schedule_seconds=list(settings.webhook_retry_schedule_seconds),
        disable_after_failures=settings.webhook_disable_after_failures,
    )


def create_app(
    settings: IdentitySettings | None = None,
    *,
    run_bus: bool = True,
    clock: Clock = SYSTEM_CLOCK,
    workers: Sequence[WorkerFactory] = STANDARD_WORKERS,
) -> FastAPI:
    """``workers``: tests that fire timers themselves (``runtime.timers.fire_due()``) leave
    the timer worker out."""
    settings = settings or IdentitySettings()
    # Seals the stored secrets (signing keys, webhook secrets); in development its key is
    # generated under the data folder here, once.
    sealer = secrets_sealer(settings)
    definition = ServiceDefinition(
        settings=settings,
        tables=models.platform_tables,
        migrations=MIGRATIONS,
        routers=(
            tokens_router,
            users_router,
            teams_router,
            clients_router,
            keys_router,
            webhooks_router,
        ),
        title="CRM identity",
        description=DESCRIPTION,
        handlers=HANDLERS,
        consumes=CONSUMED_TOPICS,
        run_bus=run_bus,
        clock=clock,
        timers={DELIVERY_TIMER: DeliveryAttempts(delivery_policy(settings), sealer)},
        workers=workers,
    )
    app = create_service_app(definition)
    setattr(app.state, SEALER_STATE, sealer)
    started = app.router.lifespan_context

    async def own_keys() -> Mapping[str, Any]:
        runtime = app.state.runtime
        async with runtime.unit_of_work(read_only=True) as uow:
            return await keys.jwks(
                uow, settings.longest_token_minutes, settings.key_overlap_minutes, sealer
            )

    @contextlib.asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with started(application):
            await bootstrap(application.state.runtime, settings, sealer)
            install_token_verifier(
                application,
                TokenVerifier(settings.auth_issuer, settings.auth_audience, own_keys, clock=clock),
            )
            yield

    app.router.lifespan_context = lifespan
    return app
