"""crm_shared: the common library every CRM service stands on.

- ``events``: the CloudEvents envelope and the registry of integration events.
- ``contracts``: the event payloads one service publishes and others consume.
- ``db``: engine, unit of work, migrations, the generic repository.
- ``bus``: topics, the transactional outbox and its relay, the idempotent consumer, the DLQ.
- ``api``: problem details, idempotency keys, ETags, cursor pagination, health and metrics.
- ``service``: ``create_service_app`` wires all of the above into one FastAPI app.
"""
