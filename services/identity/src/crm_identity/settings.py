"""Settings of the identity service, read from ``CRM_IDENTITY_*`` (and ``CRM_*``) variables.

``environment`` (``CRM_IDENTITY_ENVIRONMENT``) says whether this is a development machine:
there (the embedded default, ``crm up``) the bootstrap admin's password and the secrets key
are generated once under the data folder and the password grant is on. Anywhere else the
service refuses to start without a real ``bootstrap_admin_password`` (none, a known default
or a short one is refused) and without ``secrets_keys``, and the password grant is off unless
enabled explicitly.
"""

from typing import ClassVar, Literal, Self

from crm_shared.settings import ServiceSettings
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from crm_identity.sealing import parse_keys

# Values that mean "nobody changed the default" (as the full-stack FastAPI template refuses).
DEFAULT_SECRETS = frozenset({"changethis", "change-me", "changeme", "admin", "password", "secret"})
MIN_PASSWORD_LENGTH = 12


class IdentitySettings(ServiceSettings):
    # A refused setting must not print the secrets beside it (pydantic shows the input).
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    service_name: ClassVar[str] = "identity"

    port: int = 8006

    environment: Literal["development", "production"] = "development"
    # The first admin (admin@localhost), created when there is no user at all. Required
    # outside development; in development generated into <data dir>/identity-admin-password.
    bootstrap_admin_email: str = "admin@localhost"
    bootstrap_admin_password: SecretStr | None = None
    # The key-encryption keys of the secrets identity stores (signing keys, webhook secrets;
    # crm_identity.sealing): comma-separated, 32 bytes in base64 each; the first seals, all
    # unseal (rotation). Required outside development; in development generated into
    # <data dir>/identity-secrets-key.
    secrets_keys: SecretStr | None = None
    # grant_type=password for people: a development convenience (default: on only there).
    password_grant_enabled: bool | None = None

    # The tokens carry the platform's auth_issuer (iss; also the base of the discovery
    # document's URLs) and auth_audience (aud), which every service checks; they last:
    person_token_minutes: int = Field(15, ge=1, le=24 * 60)
    client_token_minutes: int = Field(60, ge=1, le=24 * 60)
    # A retired signing key stays in the JWKS for the longest token lifetime plus this, so
    # tokens it signed before a rotation keep verifying until they expire.
    key_overlap_minutes: int = Field(10, ge=0)
    rsa_key_bits: int = Field(2048, ge=2048)
    # A new partner client's rate limit when the admin names none (requests per minute).
    client_rate_limit_default: int = Field(600, ge=1)
    # Token requests per minute per client id or user name (per instance): the token
    # endpoint is public, so this is what slows the guessing of a secret.
    token_rate_limit_per_minute: int = Field(60, ge=1)

    # Partner webhooks. Targets on loopback, private, link-local and other non-public
    # addresses are refused (SSRF) unless allowed here; default: allowed only in
    # development, so that a receiver on the developer's machine works.
    webhook_allow_private_targets: bool | None = None
    # Plain http:// endpoints; default: allowed only in development (https elsewhere).
    webhook_allow_http: bool | None = None
    # One delivery attempt's time-out (connect + send + answer).
    webhook_timeout_seconds: float = Field(5.0, gt=0, le=60)
    # After a failed attempt, the wait before each retry (the Standard Webhooks
    # recommendation: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: about 28 hours in all); when
    # the last retry fails the delivery has failed and the subscription is disabled.
    webhook_retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0],
        min_length=1,
    )
    # Failed attempts in a row (any event) after which a subscription is disabled.
    webhook_disable_after_failures: int = Field(50, ge=1)

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def longest_token_minutes(self) -> int:
        return max(self.person_token_minutes, self.client_token_minutes)

    @model_validator(mode="after")
    def _secrets_outside_development(self) -> Self:
        if self.password_grant_enabled is None:
            self.password_grant_enabled = self.is_development
        if self.webhook_allow_private_targets is None:
            self.webhook_allow_private_targets = self.is_development
        if self.webhook_allow_http is None:
            self.webhook_allow_http = self.is_development
        keys = self.secrets_keys.get_secret_value() if self.secrets_keys else ""
        if keys.strip():
            parse_keys(keys)  # a malformed key stops the start, in every environment
        if self.is_development:
            return self
        password = (
            self.bootstrap_admin_password.get_secret_value()
            if self.bootstrap_admin_password
            else ""
        )
        if not password:
            raise ValueError(
                "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD must be set outside development"
            )
        if password.lower() in DEFAULT_SECRETS or len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(
                "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD is a default or shorter than "
                f"{MIN_PASSWORD_LENGTH} characters: choose a real secret outside development"
            )
        if not keys.strip():
            raise ValueError(
                "CRM_IDENTITY_SECRETS_KEYS must be set outside development "
                "(make a key with: openssl rand -base64 32)"
            )
        return self
