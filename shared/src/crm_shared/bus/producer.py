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
