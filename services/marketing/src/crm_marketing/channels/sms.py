"""SMS through a provider's HTTP API (httpx): one JSON POST per message, a few at a time.

The provider's answer is the outcome: 2xx accepted, 4xx refused for good (an invalid number),
except 408 and 429 (come back later), and 5xx not taken. A request that broke before it
reached the provider was not sent; one that broke after it may have been taken (unknown).
"""

import asyncio
import json
import re
from collections.abc import Sequence
from typing import Any

import httpx

from crm_marketing.channels.base import Outcome, OutgoingMessage, SendResult
from crm_marketing.settings import MarketingSettings

_FIELDS = ("to", "text", "message_id", "customer_id")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
_COME_BACK_LATER = frozenset({408, 429})
_DETAIL_LIMIT = 200
# The request never left: nothing can have reached the provider.
_BEFORE_SENDING = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)


class SmsBody:
    """The JSON body of a provider's request, from a template whose string values may hold
    ``{to}``, ``{text}``, ``{message_id}`` and ``{customer_id}``. Values are put into the
    parsed template, so a quote or a brace in a message can never change its structure."""

    def __init__(self, template: str) -> None:
        try:
            self.template: Any = json.loads(template)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the SMS body template is not JSON: {exc}") from exc
        if not isinstance(self.template, dict):
            raise ValueError("the SMS body template is a JSON object")
        unknown = sorted(set(_placeholders(self.template)) - set(_FIELDS))
        if unknown:
            raise ValueError(
                f"the SMS body template names unknown fields {unknown}; "
                f"it may use {', '.join('{' + f + '}' for f in _FIELDS)}"
            )

    def render(self, message: OutgoingMessage) -> Any:
        values = {
            "to": message.address,
            "text": message.text,
            "message_id": message.message_id,
            "customer_id": message.customer_id,
        }
        return _fill(self.template, values)


class SmsChannel:
    """The SMS :class:`~crm_marketing.channels.base.ChannelAdapter`."""

    def __init__(
        self,
        url: str,
        body: SmsBody,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
        concurrency: int = 8,
    ) -> None:
        self.url = url
        self.body = body
        self.concurrency = concurrency
        self._client = httpx.AsyncClient(
            headers=headers or {},
            timeout=timeout,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )

    @classmethod
    def from_settings(cls, settings: MarketingSettings) -> "SmsChannel":
        headers = {}
        if settings.sms_auth_header is not None:
            headers[settings.sms_auth_header_name] = settings.sms_auth_header.get_secret_value()
        return cls(
            settings.sms_url,
            SmsBody(settings.sms_body_template),
            headers=headers,
            timeout=settings.sms_timeout_seconds,
            concurrency=settings.sms_concurrency,
        )

    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        bound = asyncio.Semaphore(self.concurrency)

        async def send_one(message: OutgoingMessage) -> SendResult:
            async with bound:
                return await self._post(message)

        return list(await asyncio.gather(*(send_one(m) for m in messages)))

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, message: OutgoingMessage) -> SendResult:
        try:
            response = await self._client.post(self.url, json=self.body.render(message))
        except _BEFORE_SENDING as exc:
            return SendResult(message.message_id, Outcome.NOT_SENT, _describe(exc))
        except httpx.TransportError as exc:
            detail = f"the provider may have taken it: {_describe(exc)}"
            return SendResult(message.message_id, Outcome.UNKNOWN, detail)
        answer = (str(response.status_code), response.reason_phrase, response.text)
        detail = " ".join(part for part in answer if part)[:_DETAIL_LIMIT]
        status = response.status_code
        if response.is_success:
            return SendResult(message.message_id, Outcome.DELIVERED, detail)
        if 400 <= status < 500 and status not in _COME_BACK_LATER:
            return SendResult(message.message_id, Outcome.BOUNCED, detail, permanent=True)
        return SendResult(message.message_id, Outcome.NOT_SENT, detail)


def _placeholders(value: Any) -> list[str]:
    if isinstance(value, str):
        return _PLACEHOLDER.findall(value)
    if isinstance(value, dict):
        return [name for item in value.values() for name in _placeholders(item)]
    if isinstance(value, list):
        return [name for item in value for name in _placeholders(item)]
    return []


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], value)
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
