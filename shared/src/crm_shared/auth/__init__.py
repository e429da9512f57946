"""Who is calling: bearer tokens (JWT, RS256) checked locally against a JWKS.

:mod:`crm_shared.auth.tokens` has no HTTP in it; the FastAPI dependency that answers 401 and
403 is :mod:`crm_shared.api.auth`.
"""

from crm_shared.auth.tokens import (
    Forbidden,
    JwksProvider,
    Principal,
    TokenVerifier,
    Unauthenticated,
)

__all__ = ["Forbidden", "JwksProvider", "Principal", "TokenVerifier", "Unauthenticated"]
