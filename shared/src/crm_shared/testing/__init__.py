"""What tests of any service need: deliver events as the consumer does, a fake clock, and
builders of real contract events (``crm_shared.testing.customers``)."""

from crm_shared.clock import FakeClock
from crm_shared.testing.delivery import deliver, deliveries_of

__all__ = ["FakeClock", "deliver", "deliveries_of"]
