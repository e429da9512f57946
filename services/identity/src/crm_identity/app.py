"""The identity service: people, teams and partner clients; the OAuth 2.0 token endpoint and
the JWKS that every service verifies bearer tokens against; signing-key rotation.

Its own admin routes already need a bearer token with role admin, checked locally against
its own keys (``crm_shared.auth``).
"""

import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from crm_shared.api.auth import install_token_verifier
from crm_shared.auth import TokenVerifier
from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.service import ServiceDefinition, create_service_app
from fastapi import FastAPI

from crm_identity import models
from crm_identity.bootstrap import bootstrap
from crm_identity.clients.routes import router as clients_router
from crm_identity.keys import service as keys
from crm_identity.keys.routes import router as keys_router
from crm_identity.settings import IdentitySettings
from crm_identity.teams.routes import router as teams_router
from crm_identity.tokens.routes import router as tokens_router
from crm_identity.users.routes import router as users_router

MIGRATIONS = Path(__file__).parent / "migrations"

DESCRIPTION = """Who may do what: users with a role and a team, teams with a manager, partner
clients with scopes; the OAuth 2.0 token endpoint (client credentials; a password grant for
people in development), the JWKS every service verifies tokens against, and signing-key
rotation with an overlap. Users and teams are published on `crm.identity` (keyed by id).
Every `/v1` route but the token endpoint needs a bearer token with role admin."""


def create_app(
    settings: IdentitySettings | None = None, *, run_bus: bool = True, clock: Clock = SYSTEM_CLOCK
) -> FastAPI:
    settings = settings or IdentitySettings()
    definition = ServiceDefinition(
        settings=settings,
        tables=models.platform_tables,
        migrations=MIGRATIONS,
        routers=(tokens_router, users_router, teams_router, clients_router, keys_router),
        title="CRM identity",
        description=DESCRIPTION,
        run_bus=run_bus,
        clock=clock,
    )
    app = create_service_app(definition)
    started = app.router.lifespan_context

    async def own_keys() -> Mapping[str, Any]:
        runtime = app.state.runtime
        async with runtime.unit_of_work(read_only=True) as uow:
            return await keys.jwks(
                uow, settings.longest_token_minutes, settings.key_overlap_minutes
            )

    @contextlib.asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with started(application):
            await bootstrap(application.state.runtime, settings)
            install_token_verifier(
                application,
                TokenVerifier(settings.auth_issuer, settings.auth_audience, own_keys, clock=clock),
            )
            yield

    app.router.lifespan_context = lifespan
    return app
