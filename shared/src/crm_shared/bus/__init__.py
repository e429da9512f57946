"""The event bus: topics, the outbox relay (producer side) and the idempotent consumer."""
