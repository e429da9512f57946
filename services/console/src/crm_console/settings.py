"""The console's settings: where it listens, where the services' APIs are, whom it trusts.

``CRM_CONSOLE_<FIELD>`` for its own fields; the platform-wide ``CRM_HOST`` and the token
issuer's ``CRM_AUTH_*`` as every service reads them. ``crm up`` passes each service's URL.
"""

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The services whose APIs the console calls, in the order of its navigation.
UPSTREAMS = ("customer", "sales", "support", "marketing", "analytics", "identity")


def _platform(name: str) -> AliasChoices:
    return AliasChoices(f"CRM_{name.upper()}", f"crm_{name}")


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRM_CONSOLE_", extra="ignore")

    host: str = Field("127.0.0.1", validation_alias=_platform("host"))
    port: int = 8000
    log_level: str = Field("INFO", validation_alias=_platform("log_level"))

    customer_url: str = "http://127.0.0.1:8001"
    marketing_url: str = "http://127.0.0.1:8002"
    sales_url: str = "http://127.0.0.1:8003"
    support_url: str = "http://127.0.0.1:8004"
    analytics_url: str = "http://127.0.0.1:8005"
    identity_url: str = "http://127.0.0.1:8006"
    # Seconds a page waits for a service before it shows that the service is away.
    upstream_timeout_seconds: float = Field(10.0, gt=0)

    auth_issuer: str = Field("http://127.0.0.1:8006", validation_alias=_platform("auth_issuer"))
    auth_audience: str = Field("crm", validation_alias=_platform("auth_audience"))
    auth_jwks_url: str = Field(
        "http://127.0.0.1:8006/.well-known/jwks.json", validation_alias=_platform("auth_jwks_url")
    )
    # The session cookie only over HTTPS: on in production behind TLS, off for localhost.
    secure_cookies: bool = False

    def upstream_urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url").rstrip("/") for name in UPSTREAMS}
