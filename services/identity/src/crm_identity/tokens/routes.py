"""The public endpoints of the authorisation server:

- ``POST /v1/oauth/token`` (RFC 6749): ``application/x-www-form-urlencoded``;
  ``grant_type=client_credentials`` with ``client_id`` and ``client_secret`` (form fields, or
  HTTP Basic as RFC 6749 §2.3.1 prefers) and an optional ``scope`` (a subset of the client's);
  ``grant_type=password`` with ``username`` (the e-mail) and ``password``, a development
  convenience (``CRM_IDENTITY_PASSWORD_GRANT_ENABLED``). Errors are RFC 6749 §5.2 JSON
  (``{"error": ..., "error_description": ...}``), not problem details: OAuth clients read
  that shape. A failed client authentication is 401 ``invalid_client`` (with
  ``WWW-Authenticate: Basic`` when the client used Basic). Each client id (or user name)
  may ask ``CRM_IDENTITY_TOKEN_RATE_LIMIT_PER_MINUTE`` times a minute, else 429 (a problem
  detail, with ``Retry-After``): that slows the guessing of a secret.
- ``GET /.well-known/jwks.json`` (RFC 7517): the public signing keys.
- ``GET /.well-known/openid-configuration``: where the above are.
"""

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from crm_shared.api.auth import public
from crm_shared.api.deps import UnitOfWorkDep
from crm_shared.api.ratelimit import charge_public
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm_identity.keys import service as keys
from crm_identity.tokens import service
from crm_identity.tokens.service import InvalidClientError, OAuthError
from crm_identity.web import NO_STORE, SealerDep, SettingsDep

# Public on purpose: the token endpoint authenticates the client itself (RFC 6749), and the
# keys and discovery document are what everyone needs to verify tokens.
router = APIRouter(tags=["oauth"], dependencies=[public()])

FORM = "application/x-www-form-urlencoded"
TOKEN_PATH = "/v1/oauth/token"
JWKS_PATH = "/.well-known/jwks.json"
GRANT_TYPES = ("client_credentials", "password")

_TOKEN_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": list(GRANT_TYPES)},
                        "client_id": {"type": "string", "minLength": 1},
                        "client_secret": {"type": "string", "format": "password", "minLength": 1},
                        "scope": {"type": "string", "description": "space-separated"},
                        "username": {
                            "type": "string",
                            "minLength": 1,
                            "description": "password grant",
                        },
                        "password": {"type": "string", "format": "password", "minLength": 1},
                    },
                }
            }
        },
    }
}
_TOKEN_ANSWER: dict[str, Any] = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "scope"],
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"type": "string", "enum": ["Bearer"]},
        "expires_in": {"type": "integer"},
        "scope": {"type": "string"},
    },
}
_OAUTH_ERROR: dict[str, Any] = {
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {"type": "string"},
                    "error_description": {"type": "string"},
                },
            }
        }
    }
}


def oauth_error(error: OAuthError, *, basic: bool = False) -> JSONResponse:
    headers = dict(NO_STORE)
    if isinstance(error, InvalidClientError) and basic:
        headers["WWW-Authenticate"] = 'Basic realm="crm"'
    body = {"error": error.error, "error_description": error.message}
    return JSONResponse(body, status_code=error.status, headers=headers)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_id and secret from ``Authorization: Basic`` (each form-urlencoded, §2.3.1)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise InvalidClientError("malformed Basic credentials") from error
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClientError("malformed Basic credentials")
    return unquote_plus(client_id), unquote_plus(secret)


async def _form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM:
        raise OAuthError(f"send the request as {FORM}")
    try:
        pairs = parse_qsl(
            (await request.body()).decode(), keep_blank_values=True, strict_parsing=False
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise OAuthError("the form cannot be read") from error
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:  # RFC 6749 §3.2: parameters must not be repeated
            raise OAuthError(f"the parameter {name} is repeated")
        form[name] = value
    return form


@router.post(
    TOKEN_PATH,
    summary="Get an access token (OAuth 2.0, RFC 6749)",
    openapi_extra=_TOKEN_REQUEST,
    responses={
        200: {"content": {"application/json": {"schema": _TOKEN_ANSWER}}},
        400: {"description": "RFC 6749 error", **_OAUTH_ERROR},
        401: {"description": "invalid_client", **_OAUTH_ERROR},
        429: {"description": "Too many token requests for this client id or user name"},
    },
)
async def token(
    request: Request, uow: UnitOfWorkDep, settings: SettingsDep, sealer: SealerDep
) -> JSONResponse:
    basic = False
    try:
        form = await _form(request)
        credentials = _basic_credentials(request)
        basic = credentials is not None
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("grant_type is missing")
        if grant_type == "client_credentials":
            if credentials is not None and ("client_id" in form or "client_secret" in form):
                raise OAuthError("authenticate the client one way: Basic or form fields")
            client_id, secret = credentials or (
                form.get("client_id", ""),
                form.get("client_secret", ""),
            )
            if not client_id or not secret:
                raise InvalidClientError("client_id and client_secret are required")
            charge_public(request, "token", client_id, settings.token_rate_limit_per_minute)
            issued = await service.client_credentials(
                uow, settings, sealer, client_id, secret, form.get("scope")
            )
        elif grant_type == "password":
            username, password = form.get("username"), form.get("password")
            if not username or not password:
                raise OAuthError("username and password are required")
            charge_public(request, "token", username, settings.token_rate_limit_per_minute)
            issued = await service.password(uow, settings, sealer, username, password)
        else:
            raise OAuthError(
                f"grant_type must be one of {', '.join(GRANT_TYPES)}",
                code="unsupported_grant_type",
            )
    except OAuthError as error:
        return oauth_error(error, basic=basic)
    body = {
        "access_token": issued.access_token,
        "token_type": issued.token_type,
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return JSONResponse(body, headers=NO_STORE)


@router.get(JWKS_PATH, summary="The public keys that verify our tokens (RFC 7517)")
async def jwks(uow: UnitOfWorkDep, settings: SettingsDep, sealer: SealerDep) -> dict[str, Any]:
    return await keys.jwks(
        uow, settings.longest_token_minutes, settings.key_overlap_minutes, sealer
    )


@router.get("/.well-known/openid-configuration", summary="Where the token endpoint and keys are")
async def discovery(settings: SettingsDep) -> dict[str, Any]:
    issuer = settings.auth_issuer.rstrip("/")
    return {
        "issuer": settings.auth_issuer,
        "token_endpoint": issuer + TOKEN_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "grant_types_supported": ["client_credentials"]
        + (["password"] if settings.password_grant_enabled else []),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": [keys.ALGORITHM],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
    }
