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
OUTBOX_DELAY = Histogram(
    "crm_outbox_publish_delay_seconds",
    "From an outbox row's commit to the broker's acknowledgement of it",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
OUTBOX_PENDING = Gauge("crm_outbox_pending", "Outbox events not yet published", ["service"])
EVENTS_CONSUMED = Counter(
    "crm_events_consumed_total",
    "Events consumed, by outcome (applied, duplicate, ignored, dead_lettered)",
    ["service", "event_type", "outcome"],
)
EVENT_LAG = Histogram(
    "crm_event_lag_seconds",
    "From an event's time (its producer's commit) to the commit of its effects here: how far "
    "this service's views trail their sources (the two clocks' skew included)",
    ["service", "topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
WORKER_UP = Gauge(
    "crm_worker_up", "1 while the background worker runs, 0 once it stopped", ["service", "worker"]
)
WORKER_READY = Gauge(
    "crm_worker_ready", "1 while the background worker reports itself ready", ["service", "worker"]
)
TIMERS_FIRED = Counter(
    "crm_timers_fired_total", "Timers whose handler committed", ["service", "kind"]
)
TIMER_ERRORS = Counter(
    "crm_timer_errors_total",
    "Timer attempts whose handler raised (retried later, or given up)",
    ["service", "kind"],
)
TIMERS_FAILED = Counter(
    "crm_timers_failed_total",
    "Timers given up after their last attempt (left in state failed)",
    ["service", "kind"],
)
TIMERS_STORED = Gauge(
    "crm_timers",
    "Timers in the service's table, by state (pending, done, failed)",
    ["service", "state"],
)
RATE_LIMITED = Counter(
    "crm_http_rate_limited_total",
    "Requests refused with 429 by a rate limit, by kind of caller (person, client, token)",
    ["service", "caller"],
)
