"""Verify a bearer token: a JWT signed RS256 by a key the issuer publishes in its JWKS.

Every service is a resource server: it checks a token locally (no call to the issuer per
request) against the issuer's keys, which a :data:`JwksProvider` returns (the identity
service reads its own key table; another service will fetch and cache the issuer's
``/.well-known/jwks.json``). A token is accepted only when all of this holds:

- its header names ``alg: RS256`` (``none``, HS256 and every other algorithm are refused, so
  a public key can never be used as an HMAC secret) and a ``kid`` the JWKS lists;
- the signature verifies with that key;
- ``iss`` and ``aud`` are the expected ones, ``sub``, ``exp``, ``iat`` and ``jti`` are
  present, and ``nbf <= now < exp`` (``nbf`` where the token has one; ``leeway`` seconds of
  clock skew), ``now`` from the injected :class:`~crm_shared.clock.Clock`, so tests move
  time instead of sleeping.

A service may remember a verified token for ``remember_seconds`` (keyed by the whole token,
so only its bearer gets the hit): the signature check is most of a read's CPU, and a client
sends the same token for its whole life. The times are checked on every use all the same;
what the memory delays is noticing a signing key the issuer withdrew, which the JWKS cache
delays already.

Anything else raises :class:`Unauthenticated` (a :class:`~crm_shared.errors.DomainError`,
401): the reason is in the message, for logs, and stays generic enough to return.
"""

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, ClassVar, Protocol, TypeAlias

import jwt

from crm_shared.clock import SYSTEM_CLOCK, Clock
from crm_shared.errors import DomainError

ALGORITHM = "RS256"
# ``nbf`` is checked where a token has one (the identity service's do; Keycloak's don't).
REQUIRED_CLAIMS = ("iss", "aud", "sub", "exp", "iat", "jti")
# A partner client's own rate limit (requests per minute), which the identity service puts in
# its tokens so that every service enforces it without asking (crm_shared.ratelimit).
RATE_LIMIT_CLAIM = "rate_limit_per_minute"
# The ids of the teams a person manages, which the identity service puts in their tokens so
# that every service decides record-level access locally (crm_shared.auth.access).
MANAGES_CLAIM = "manages"

# Returns the issuer's current JWKS document ({"keys": [...]}); awaited per verification, so
# a provider that fetches over the network caches (and refreshes on an unknown kid itself).
JwksProvider: TypeAlias = Callable[[], Awaitable[Mapping[str, Any]]]


class Unauthenticated(DomainError):
    """No valid credentials: the edge answers 401 with ``WWW-Authenticate``."""

    status: ClassVar[int] = 401
    default_code: ClassVar[str] = "unauthenticated"


class Forbidden(DomainError):
    """Valid credentials that lack the role or scope the operation needs: 403."""

    status: ClassVar[int] = 403
    default_code: ClassVar[str] = "forbidden"


@dataclass(frozen=True)
class Principal:
    """Who a verified token speaks for."""

    subject: str  # a user id, or ``client:<client_id>`` for a partner client
    role: str | None
    team: str | None
    scopes: frozenset[str]
    client_id: str | None
    token_id: str
    expires_at: datetime
    rate_limit_per_minute: int | None = None  # the caller's own limit, if its token names one
    managed_teams: frozenset[str] = frozenset()  # the teams a person manages
    claims: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def is_client(self) -> bool:
        return self.client_id is not None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> "Principal":
        scope = claims.get("scope") or ""
        return cls(
            subject=str(claims["sub"]),
            role=claims.get("role"),
            team=claims.get("team"),
            scopes=frozenset(str(scope).split()),
            client_id=claims.get("client_id"),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            rate_limit_per_minute=_positive_int(claims.get(RATE_LIMIT_CLAIM)),
            managed_teams=_strings(claims.get(MANAGES_CLAIM)),
            claims=dict(claims),
        )


def _strings(value: Any) -> frozenset[str]:
    """A claim that should be a list of ids; anything else counts as none (reach only
    shrinks when a claim cannot be read)."""
    if not isinstance(value, list):
        return frozenset()
    return frozenset(item for item in value if isinstance(item, str) and item)


def _positive_int(value: Any) -> int | None:
    """A claim that should be a positive whole number, or None (absent or unusable)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


class TokenVerifier:
    """Checks tokens of one issuer for one audience (see the module's rules)."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_provider: JwksProvider,
        *,
        clock: Clock = SYSTEM_CLOCK,
        leeway_seconds: int = 30,
        remember_seconds: float = 0.0,
        remember_at_most: int = 4096,
        people_only: bool = False,
    ) -> None:
        self.issuer = issuer
        self.people_only = people_only
        self.audience = audience
        self._jwks = jwks_provider
        self._clock = clock
        self._leeway = leeway_seconds
        self._remember_seconds = remember_seconds
        self._remember_at_most = remember_at_most
        # token -> (the principal, until when it needs no new signature check)
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or :class:`Unauthenticated`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Unauthenticated("the token is not a well-formed JWT") from error
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated(f"the token must be signed with {ALGORITHM}")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("the token names no signing key (kid)")
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                # Times are checked below against the injected clock, not the system's.
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError as error:
            raise Unauthenticated("the token is not meant for this audience") from error
        except jwt.InvalidIssuerError as error:
            raise Unauthenticated("the token comes from another issuer") from error
        except jwt.InvalidSignatureError as error:
            raise Unauthenticated("the token's signature does not verify") from error
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"the token is not valid: {error}") from error
        self._check_times(claims)
        return claims

    async def _key(self, kid: str) -> Any:
        """The key ``kid`` names; a provider that can refresh (``RemoteJwks``) is asked again
        once for a key it does not have, so a signing-key rotation is seen at once."""
        try:
            return _key_of(await self._jwks(), kid)
        except Unauthenticated:
            refresh = getattr(self._jwks, "refresh", None)
            if refresh is None:
                raise
            return _key_of(await refresh(), kid)

    async def principal(self, token: str) -> Principal:
        now = self._clock.now().timestamp()
        remembered = self._verified.get(token)
        if remembered is not None and now < remembered[1]:
            self._check_times(remembered[0].claims)
            self._verified.move_to_end(token)
            return remembered[0]
        principal = Principal.from_claims(await self.verify(token))
        if self.people_only and principal.is_client:
            raise Unauthenticated("partner clients get their tokens from the identity service")
        if self._remember_seconds > 0:
            self._verified[token] = (principal, now + self._remember_seconds)
            if len(self._verified) > self._remember_at_most:
                self._verified.popitem(last=False)
        return principal

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock.now().timestamp()
        try:
            expires, issued = float(claims["exp"]), float(claims["iat"])
            not_before = float(claims.get("nbf", issued))
        except (TypeError, ValueError) as error:
            raise Unauthenticated("the token's times are not numbers") from error
        if now >= expires + self._leeway:
            raise Unauthenticated("the token has expired")
        if now + self._leeway < not_before:
            raise Unauthenticated("the token is not valid yet")


class PrincipalSource(Protocol):
    """What the HTTP edge asks: who does this token speak for (or :class:`Unauthenticated`)."""

    async def principal(self, token: str) -> Principal: ...


class TrustedIssuers:
    """Tokens of several issuers, each checked by its own verifier: the identity service for
    partner clients (and people, on the embedded default), an OpenID Connect provider such as
    Keycloak for people in production. The token's ``iss``, read before anything is checked,
    only chooses the verifier, which then checks everything, ``iss`` included."""

    def __init__(self, verifiers: Sequence[TokenVerifier]) -> None:
        self._by_issuer = {verifier.issuer: verifier for verifier in verifiers}

    async def principal(self, token: str) -> Principal:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as error:
            raise Unauthenticated("the token is not a well-formed JWT") from error
        verifier = self._by_issuer.get(str(issuer))
        if verifier is None:
            raise Unauthenticated("the token comes from another issuer")
        return await verifier.principal(token)


def _key_of(jwks: Mapping[str, Any], kid: str) -> Any:
    """The public key ``kid`` names in ``jwks`` (only RSA signing keys count)."""
    for entry in jwks.get("keys", []):
        if entry.get("kid") != kid:
            continue
        if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            break
        if entry.get("alg", ALGORITHM) != ALGORITHM:
            break
        try:
            return _public_key(str(entry["n"]), str(entry["e"]))
        except (KeyError, jwt.PyJWTError) as error:
            raise Unauthenticated("the token's signing key cannot be read") from error
    raise Unauthenticated("the token's signing key (kid) is not one the issuer publishes")


@lru_cache(maxsize=64)
def _public_key(modulus: str, exponent: str) -> Any:
    """An RSA public key from its JWK numbers, parsed once: building it costs more than the
    signature check itself, and the issuer's keys change only at a rotation."""
    jwk = {"kty": "RSA", "n": modulus, "e": exponent, "alg": ALGORITHM, "use": "sig"}
    return jwt.PyJWK(jwk, algorithm=ALGORITHM).key
