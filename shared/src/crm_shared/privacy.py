"""What a service must forget, besides its own tables, when a customer is erased.

Two platform tables keep copies of personal data for a while: the outbox keeps sent events
for replay, and the idempotency table keeps create responses for retries. Erasure removes
the erased customer's traces from both, in the erasing transaction. Dropping the sent
events is also what a replay needs: it then rebuilds the customer as the tombstone the
erased event describes, not as the person they were. Unsent events stay (the erased event
among them must still go out).
"""

from collections.abc import Sequence

from sqlalchemy import delete, select

from crm_shared.db.uow import UnitOfWork


async def forget_subjects(uow: UnitOfWork, customer_ids: Sequence[str]) -> None:
    if not customer_ids:
        return
    outbox = uow.tables.outbox
    await uow.session.execute(
        delete(outbox).where(outbox.c.key.in_(customer_ids), outbox.c.sent_at.is_not(None))
    )
    # Stored responses are opaque bytes (LIKE on a blob is not portable) and live only for
    # CRM_IDEMPOTENCY_RETENTION_HOURS, so they are searched here rather than in SQL.
    keys = uow.tables.idempotency_keys
    needles = [customer_id.encode() for customer_id in customer_ids]
    stored = await uow.session.execute(select(keys.c.key, keys.c.body))
    mentioning = [key for key, body in stored if any(needle in body for needle in needles)]
    if mentioning:
        await uow.session.execute(delete(keys).where(keys.c.key.in_(mentioning)))
