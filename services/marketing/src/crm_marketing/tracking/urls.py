"""The customer's links in a message, signed so nobody can forge or enumerate them, and
carrying nothing about the customer (a random message id, and a click's target):

- the unsubscribe page (``/v1/unsubscribe/{token}``; the one-click POST of RFC 8058 too);
- the open pixel (``/v1/t/{token}/open.gif``);
- a tracked click (``/v1/t/{token}/click``), which redirects to the target it signs (so it
  is no open redirect).

The key is ``CRM_MARKETING_LINK_SECRET``, or one generated once under the data folder. The
links do not expire: an unsubscribe link must work whenever the customer finds the e-mail.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.signed_links import LinkSigner, link_key

from crm_marketing.settings import MarketingSettings

KEY_FILE = "marketing-link-key"
SALT = "crm-marketing-link"
UNSUBSCRIBE, OPEN, CLICK = "u", "o", "c"


@dataclass(frozen=True)
class MessageLinks:
    """The links of one message."""

    unsubscribe: str
    pixel: str
    click_base: str  # + a signed target: see :meth:`Links.click`


class Links:
    def __init__(self, settings: MarketingSettings) -> None:
        self.base = settings.public_url.rstrip("/")
        self.signer = LinkSigner(
            link_key(settings.link_secret, settings.data_dir, KEY_FILE), salt=SALT
        )

    def unsubscribe(self, message_id: str, now: datetime) -> str:
        return f"{self.base}/v1/unsubscribe/{self.signer.sign([UNSUBSCRIBE, message_id], now)}"

    def pixel(self, message_id: str, now: datetime) -> str:
        return f"{self.base}/v1/t/{self.signer.sign([OPEN, message_id], now)}/open.gif"

    def click(self, message_id: str, target: str, now: datetime) -> str:
        return f"{self.base}/v1/t/{self.signer.sign([CLICK, message_id, target], now)}/click"

    def read(self, token: str, kind: str, now: datetime) -> list[Any]:
        """The signed payload ``[kind, message_id, ...]``, or the shared unknown-link error
        (a forged, changed or other kind of token)."""
        payload = self.signer.load(token, now, max_age=None)
        if not isinstance(payload, list) or len(payload) < 2 or payload[0] != kind:
            raise self.signer.unknown()
        return payload
