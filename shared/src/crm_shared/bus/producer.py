import asyncio
import contextlib
from typing import Protocol

from aiokafka import AIOKafkaProducer

from crm_shared.settings import ServiceSettings


def create_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=f"crm-{settings.service_name}",
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=2,
        compression_type=None,
    )


class _Stoppable(Protocol):
    async def stop(self) -> None: ...


CLIENT_STOP_TIMEOUT = 10.0


async def stop_clients(*clients: _Stoppable | None) -> None:
    """Stop Kafka clients, each within a deadline: a broker that no longer answers (a
    LeaveGroup, a final flush) must not keep a service, or a test, from shutting down."""
    for client in clients:
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.stop(), CLIENT_STOP_TIMEOUT)
