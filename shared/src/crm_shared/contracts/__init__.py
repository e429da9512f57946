"""Event contracts: the payloads services publish, importable by every consumer.

Importing this package registers every event type, so a consumer can validate any event on
any topic (and send the ones it cannot read to the dead-letter topic).
"""

from crm_shared.contracts import analytics, customer, identity, marketing, sales, support

__all__ = ["analytics", "customer", "identity", "marketing", "sales", "support"]
