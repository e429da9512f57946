"""How big each measurement is: the full run and the ``--quick`` smoke run."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    concurrency: int  # connections of the create-customer load generator
    create_warmup: int
    create_requests: int
    latency_rates: tuple[float, ...]  # creates (and baseline messages) per second
    latency_seconds: float
    catchup_events_sqlite: int
    catchup_events_postgres: int
    idle_seconds: float  # before reading the memory of a started service
    import_rows: int  # new customers in the CSV of the import benchmark
    token_checks: int  # bearer tokens verified in-process
    order_import_rows: int  # orders in the CSV of the order import benchmark
    order_import_customers: int  # the customers they belong to (imported first, the baseline)
    order_profile_wait: float  # seconds after the import to wait for the analytics profile
    timer_backlog: int  # due SLA breach timers fired from a backlog
    timer_backlog_baseline: int  # the same, one timer per transaction (the baseline)
    timer_steady_rate: float  # complaints opened per second at steady load
    timer_steady_seconds: float  # for this long
    # Kafka consumer session timeout for services and baseline consumers: a new group's first
    # join on the bundled broker takes about half of it. None: the services' default (10 s).
    session_timeout_ms: int | None = None
    clv_customers: int = 1_000_000  # generated customers the CLV models are fitted to
    scores_customers: int = 1_000_000  # generated customers (~10 orders each) scored in-service
    console_customers: int = 10_000  # imported before the console's pages are loaded
    console_loads: int = 20  # loads of each console page (and of the sign-in baseline)

    @property
    def kafka_session_timeout_ms(self) -> int:
        return self.session_timeout_ms or 10_000


FULL = Plan(
    concurrency=16,
    create_warmup=200,
    create_requests=2000,
    latency_rates=(20.0, 100.0, 200.0),
    latency_seconds=15.0,
    catchup_events_sqlite=20_000,
    catchup_events_postgres=20_000,
    idle_seconds=5.0,
    import_rows=20_000,
    token_checks=5_000,
    order_import_rows=100_000,
    order_import_customers=20_000,
    order_profile_wait=300.0,
    timer_backlog=100_000,
    timer_backlog_baseline=10_000,
    timer_steady_rate=20.0,
    timer_steady_seconds=15.0,
)

QUICK = Plan(
    concurrency=16,
    create_warmup=50,
    create_requests=300,
    latency_rates=(20.0, 100.0),
    latency_seconds=3.0,
    catchup_events_sqlite=1_000,
    catchup_events_postgres=500,
    idle_seconds=1.0,
    import_rows=1_000,
    token_checks=500,
    order_import_rows=2_000,
    order_import_customers=400,
    order_profile_wait=30.0,
    timer_backlog=2_000,
    timer_backlog_baseline=500,
    timer_steady_rate=10.0,
    timer_steady_seconds=3.0,
    session_timeout_ms=2_000,  # faster group joins; start-up is not measured anyway
    clv_customers=50_000,
    scores_customers=20_000,
    console_customers=1_000,
    console_loads=5,
)
