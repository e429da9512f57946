"""The OAuth 2.0 token endpoint's use cases (RFC 6749): client credentials for partner
clients, and the password grant for people (a development convenience, off unless
``CRM_IDENTITY_PASSWORD_GRANT_ENABLED``; on by default only in development).

Errors are :class:`OAuthError` (domain errors carrying the RFC 6749 §5.2 ``error`` code); the
route answers them in the RFC's JSON shape.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from crm_shared.auth.tokens import MANAGES_CLAIM, RATE_LIMIT_CLAIM
from crm_shared.contracts.identity import PARTNER_ROLE
from crm_shared.db import UnitOfWork
from crm_shared.errors import DomainError

from crm_identity.clients.service import authenticate_client
from crm_identity.keys.service import current_signer
from crm_identity.sealing import SecretSealer
from crm_identity.settings import IdentitySettings
from crm_identity.teams.service import teams_managed_by
from crm_identity.users.service import authenticate

CLIENT_SUBJECT_PREFIX = "client:"


class OAuthError(DomainError):
    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid_request"

    @property
    def error(self) -> str:
        return self.code


class InvalidClientError(OAuthError):
    status: ClassVar[int] = 401
    default_code: ClassVar[str] = "invalid_client"


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str
    token_type: str = "Bearer"


async def client_credentials(
    uow: UnitOfWork,
    settings: IdentitySettings,
    sealer: SecretSealer,
    client_id: str,
    client_secret: str,
    requested_scope: str | None,
) -> IssuedToken:
    client = await authenticate_client(uow, client_id, client_secret)
    if client is None:
        raise InvalidClientError("client authentication failed", code="invalid_client")
    granted = list(client.scopes)
    if requested_scope is not None and requested_scope.strip():
        asked = list(dict.fromkeys(requested_scope.split()))
        if not set(asked) <= set(granted):
            raise OAuthError(
                "the requested scope exceeds the client's scopes", code="invalid_scope"
            )
        granted = asked
    scope = " ".join(granted)
    claims = {
        "sub": CLIENT_SUBJECT_PREFIX + client.id,
        "role": PARTNER_ROLE,
        "client_id": client.id,
        "scope": scope,
        # The client's own limit, enforced by every service from the token alone.
        RATE_LIMIT_CLAIM: client.rate_limit_per_minute,
    }
    return await _issue(uow, settings, sealer, claims, settings.client_token_minutes)


async def password(
    uow: UnitOfWork, settings: IdentitySettings, sealer: SecretSealer, username: str, secret: str
) -> IssuedToken:
    if not settings.password_grant_enabled:
        raise OAuthError(
            "the password grant is not enabled on this server", code="unsupported_grant_type"
        )
    user = await authenticate(uow, username, secret)
    if user is None:
        raise OAuthError("the username or password is not correct", code="invalid_grant")
    claims: dict[str, Any] = {"sub": user.id, "role": user.role, "scope": ""}
    if user.team_id is not None:
        claims["team"] = user.team_id
    # Record-level access is decided by every service from the token alone: a manager
    # reaches their teams' records (crm_shared.auth.access). A change of manager applies
    # from the person's next token.
    if managed := await teams_managed_by(uow, user.id):
        claims[MANAGES_CLAIM] = managed
    return await _issue(uow, settings, sealer, claims, settings.person_token_minutes)


async def _issue(
    uow: UnitOfWork,
    settings: IdentitySettings,
    sealer: SecretSealer,
    claims: dict[str, Any],
    minutes: int,
) -> IssuedToken:
    now = uow.clock.now()
    lifetime = timedelta(minutes=minutes)
    signed = {
        "iss": settings.auth_issuer,
        "aud": settings.auth_audience,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": str(uuid.uuid4()),
        **claims,
    }
    signer = await current_signer(uow, sealer)
    return IssuedToken(
        access_token=signer.sign(signed),
        expires_in=int(lifetime.total_seconds()),
        scope=str(claims.get("scope", "")),
    )
