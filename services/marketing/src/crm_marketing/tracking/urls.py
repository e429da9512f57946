"""The customer's links in a message, signed so nobody can forge or enumerate them, and
carrying nothing about the customer (a random message id, and a click's target):

- the unsubscribe page (``/v1/unsubscribe/{token}``; the one-click POST of RFC 8058 too);
- the open pixel (``/v1/t/{token}/open.gif``);
- a tracked click (``/v1/t/{token}/click``), which redirects to the target it signs (so it
  is no open redirect);
- the response page (``/v1/respond/{token}``: a small form the customer answers through);
- the reply address (``reply+<token>@<CRM_MARKETING_REPLY_DOMAIN>``, the e-mail's
  ``Reply-To``), whose token is shorter than the others: a mailbox name (the part before the
  ``@``) is at most 64 characters (RFC 5321) and some mail systems change its case, so it is
  the message id's 16 bytes and an 80-bit HMAC of them under the same key, in lower-case
  base32 (42 characters).

The key is ``CRM_MARKETING_LINK_SECRET``, or one generated once under the data folder. The
links do not expire: an unsubscribe link must work whenever the customer finds the e-mail.
"""

import base64
import hashlib
import hmac
import uuid
from datetime import datetime
from email.utils import parseaddr

from crm_shared.signed_links import LinkSigner, UnknownLinkError, link_key

from crm_marketing.messages.links import Click, LinkTracking
from crm_marketing.settings import MarketingSettings

KEY_FILE = "marketing-link-key"
UNSUBSCRIBE_SALT = "crm-marketing-unsubscribe"
RESPOND_SALT = "crm-marketing-respond"
REPLY_SALT = b"crm-marketing-reply"
REPLY_PREFIX = "reply+"
_REPLY_MAC_BYTES = 10


class Links:
    def __init__(self, settings: MarketingSettings) -> None:
        key = link_key(settings.link_secret, settings.data_dir, KEY_FILE)
        self.base = settings.public_url.rstrip("/")
        self.tracking = LinkTracking(key)
        self._unsubscribes = LinkSigner(key, UNSUBSCRIBE_SALT)
        self._responses = LinkSigner(key, RESPOND_SALT)
        self._reply_key = key.encode()
        self.reply_domain = settings.reply_domain

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

    def respond(self, message_id: str, now: datetime) -> str:
        return f"{self.base}/v1/respond/{self._responses.sign(message_id, now)}"

    def responding(self, token: str, now: datetime) -> str:
        """The message a response-page token was made for, or UnknownLinkError."""
        message_id = self._responses.load(token, now, None)
        if not isinstance(message_id, str):
            raise UnknownLinkError()
        return message_id

    def reply_address(self, message_id: str) -> str | None:
        """The message's Reply-To address (None without CRM_MARKETING_REPLY_DOMAIN)."""
        if not self.reply_domain:
            return None
        raw = uuid.UUID(message_id).bytes
        token = _base32(raw + self._reply_mac(raw))
        return f"{REPLY_PREFIX}{token}@{self.reply_domain}"

    def replied_to(self, address: str) -> str:
        """The message a reply address (``Name <reply+...@domain>`` too) was made for, or
        UnknownLinkError. The domain is not checked: the signature is the proof, and a mail
        provider may deliver under another name of the domain."""
        mailbox = parseaddr(address)[1].rpartition("@")[0]
        if not mailbox.lower().startswith(REPLY_PREFIX):
            raise UnknownLinkError()
        token = mailbox[len(REPLY_PREFIX) :].upper()
        try:
            raw = base64.b32decode(token + "=" * (-len(token) % 8))
        except ValueError:
            raise UnknownLinkError() from None
        message, mac = raw[:16], raw[16:]
        # Only the one spelling we make: base32's last character has bits no byte uses.
        canonical = len(raw) == 16 + _REPLY_MAC_BYTES and _base32(raw) == token.lower()
        if not canonical or not hmac.compare_digest(mac, self._reply_mac(message)):
            raise UnknownLinkError()
        return str(uuid.UUID(bytes=message))

    def _reply_mac(self, message: bytes) -> bytes:
        return hmac.new(self._reply_key, REPLY_SALT + message, hashlib.sha256).digest()[
            :_REPLY_MAC_BYTES
        ]


def _base32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").lower()


_LINKS: dict[int, Links] = {}


def links_for(settings: MarketingSettings) -> Links:
    """One per settings (the key file is read once)."""
    if id(settings) not in _LINKS:
        _LINKS[id(settings)] = Links(settings)
    return _LINKS[id(settings)]
