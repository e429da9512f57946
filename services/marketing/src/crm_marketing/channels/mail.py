"""Direct mail: a letter "goes" by being written as a line of its campaign's mail list, which
the print shop receives as CSV (``GET /v1/campaigns/{id}/mail-list``). A line is keyed by its
message, so a batch written again adds nothing. Paper has no delivery receipt: a listed
letter is ``posted``, never ``delivered``."""

from collections.abc import Callable, Sequence

from crm_shared.db import UnitOfWork
from crm_shared.logging import describe_error

from crm_marketing.channels.base import Outcome, OutgoingMessage, SendResult, not_sent
from crm_marketing.mail_lists.repository import MailListRepository


class MailListChannel:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork]) -> None:
        self.unit_of_work = unit_of_work

    async def send(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        letters = [message for message in messages if message.letter is not None]
        try:
            async with self.unit_of_work() as uow:
                now = uow.clock.now()
                rows = [
                    {
                        "id": message.message_id,
                        "campaign_id": letter.campaign_id,
                        "step": letter.step,
                        "customer_id": message.customer_id,
                        "name": letter.name,
                        "street": letter.street,
                        "postal_code": letter.postal_code,
                        "city": letter.city,
                        "region": letter.region,
                        "country": letter.country,
                        "text": message.text,
                        "listed_at": now,
                    }
                    for message in letters
                    if (letter := message.letter) is not None
                ]
                await MailListRepository(uow.session).add(rows)
                await uow.commit()
        except Exception as error:  # nothing was written: the sender tries them again later
            # Not the error's text: a database error quotes the row, names and addresses.
            detail = f"the mail list could not be written: {describe_error(error)}"
            return not_sent(messages, detail)
        listed = {message.message_id for message in letters}
        return [
            SendResult(message.message_id, Outcome.POSTED, "on the campaign's mail list")
            if message.message_id in listed
            else SendResult(
                message.message_id, Outcome.BOUNCED, "no postal address", permanent=True
            )
            for message in messages
        ]

    async def aclose(self) -> None:
        return None
