"""Phone campaigns: each message becomes a call task for the customer's owner, which sales
schedules as a call activity (``crm.marketing.call_task.requested.v1``, written by the sender
with the message's settlement). Nothing leaves the service here, so every message is taken."""

from collections.abc import Sequence

from crm_marketing.channels.base import Outcome, OutgoingMessage, SendResult


class CallTaskChannel:
    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        return [
            SendResult(message.message_id, Outcome.DELIVERED, "call task for the owner")
            for message in messages
        ]

    async def aclose(self) -> None:
        return None
