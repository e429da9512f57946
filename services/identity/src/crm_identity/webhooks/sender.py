"""One delivery attempt over HTTP: POST the signed CloudEvent to the checked target.

The connection goes to the address :func:`~crm_identity.webhooks.targets.check_target`
approved (the name is sent as ``Host`` and as the TLS server name, so certificates are
checked against the name); redirects are not followed and proxy variables are ignored, so
nothing but the approved address is ever contacted. Any answer but 2xx, a time-out or a
connection error is a failed attempt.
"""

import time
from dataclasses import dataclass
from typing import Any

import httpx

from crm_identity.webhooks import signing
from crm_identity.webhooks.targets import Target

USER_AGENT = "crm-webhooks/1"
MAX_ERROR_LENGTH = 300


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None  # None: no answer (time-out, refused, unsafe target)
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _request_url(target: Target) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The URL to connect to, the Host header and the request extensions."""
    url = httpx.URL(target.url)
    if target.address is None:
        return url, {}, {}
    default_port = {"http": 80, "https": 443}[target.scheme]
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal keeps its brackets in the Host header
        host_header = f"[{target.host}]" + (
            "" if target.port == default_port else f":{target.port}"
        )
    extensions: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return url.copy_with(host=target.address), {"Host": host_header}, extensions


async def post(
    target: Target,
    secret: str,
    message_id: str,
    timestamp: int,
    body: bytes,
    timeout_seconds: float,
) -> AttemptResult:
    url, host_header, extensions = _request_url(target)
    request_headers = {
        "Content-Type": "application/cloudevents+json",
        "User-Agent": USER_AGENT,
        **host_header,
        **signing.headers(secret, message_id, timestamp, body),
    }
    started = time.monotonic()
    try:
        async with httpx.AsyncClient(
            timeout=timeout_seconds, follow_redirects=False, trust_env=False
        ) as http:
            response = await http.post(
                url, content=body, headers=request_headers, extensions=extensions
            )
    except httpx.HTTPError as error:
        return AttemptResult(None, _describe(error), _elapsed(started))
    elapsed = _elapsed(started)
    if 200 <= response.status_code < 300:
        return AttemptResult(response.status_code, None, elapsed)
    reason = "redirect not followed" if response.is_redirect else f"HTTP {response.status_code}"
    return AttemptResult(response.status_code, reason, elapsed)


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe(error: httpx.HTTPError) -> str:
    # The type says what happened (ConnectTimeout, ConnectError, ReadTimeout); the message
    # is the library's, about the connection, never about the payload.
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text[:MAX_ERROR_LENGTH]
