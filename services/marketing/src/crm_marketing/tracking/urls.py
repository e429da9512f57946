"""The customer's links in a message, signed so nobody can forge or enumerate them, and
carrying nothing about the customer (a random message id, and a click's target):

- the unsubscribe page (``/v1/unsubscribe/{token}``; the one-click POST of RFC 8058 too);
- the open pixel (``/v1/t/{token}/open.gif``);
- a tracked click (``/v1/t/{token}/click``), which redirects to the target it signs (so it
  is no open redirect).

The key is ``CRM_MARKETING_LINK_SECRET``, or one generated once under the data folder. The
links do not expire: an unsubscribe link must work whenever the customer finds the e-mail.
"""

from datetime import datetime

from crm_shared.signed_links import LinkSigner, UnknownLinkError, link_key

from crm_marketing.messages.links import Click, LinkTracking
from crm_marketing.settings import MarketingSettings

KEY_FILE = "marketing-link-key"
UNSUBSCRIBE_SALT = "crm-marketing-unsubscribe"


class Links:
    def __init__(self, settings: MarketingSettings) -> None:
        key = link_key(settings.link_secret, settings.data_dir, KEY_FILE)
        self.base = settings.public_url.rstrip("/")
        self.tracking = LinkTracking(key)
        self._unsubscribes = LinkSigner(key, UNSUBSCRIBE_SALT)

    def unsubscribe(self, message_id: str, now: datetime) -> str:
        return f"{self.base}/v1/unsubscribe/{self._unsubscribes.sign(message_id, now)}"

    def pixel(self, message_id: str, now: datetime) -> str:
        return f"{self.base}/v1/t/{self.tracking.open_token(message_id, now)}/open.gif"

    def click(self, message_id: str, target: str, now: datetime) -> str:
        return f"{self.base}/v1/t/{self.tracking.click_token(message_id, target, now)}/click"

    def clicked(self, token: str, now: datetime) -> Click:
        return self.tracking.click_of(token, now)

    def opened(self, token: str, now: datetime) -> str:
        return self.tracking.opened_message(token, now)

    def unsubscribed(self, token: str, now: datetime) -> str:
        """The message an unsubscribe token was made for, or UnknownLinkError."""
        message_id = self._unsubscribes.load(token, now, None)
        if not isinstance(message_id, str):
            raise UnknownLinkError()
        return message_id


_LINKS: dict[int, Links] = {}


def links_for(settings: MarketingSettings) -> Links:
    """One per settings (the key file is read once)."""
    if id(settings) not in _LINKS:
        _LINKS[id(settings)] = Links(settings)
    return _LINKS[id(settings)]
