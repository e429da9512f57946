"""Prometheus metrics, defined once per process (every service labels them with its name)."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "crm_http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "crm_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)
OUTBOX_PUBLISHED = Counter(
    "crm_outbox_published_total", "Outbox events published to Kafka", ["service"]
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "crm_outbox_publish_failures_total", "Failed attempts to publish outbox events", ["service"]
)
OUTBOX_PENDING = Gauge("crm_outbox_pending", "Outbox events not yet published", ["service"])
EVENTS_CONSUMED = Counter(
    "crm_events_consumed_total",
    "Events consumed, by outcome (applied, duplicate, ignored, dead_lettered)",
    ["service", "event_type", "outcome"],
)
