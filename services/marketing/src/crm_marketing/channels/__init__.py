"""Channel adapters: how a rendered message reaches a customer (e-mail over SMTP, SMS over a
provider's HTTP API, a call task for the owner, a line of a direct-mail list), each behind
:class:`ChannelAdapter`."""

from crm_marketing.channels.base import ChannelAdapter, Outcome, OutgoingMessage, SendResult

__all__ = ["ChannelAdapter", "Outcome", "OutgoingMessage", "SendResult"]
