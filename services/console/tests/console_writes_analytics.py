"""The analytics pages' one write (``console_fakes.WriteCase``): rescoring now is the
analytics service's full scoring run."""

from services.console.tests.console_fakes import FakeServices, WriteCase


def _run(services: FakeServices) -> None:
    services.on(
        "POST",
        "analytics",
        "/v1/scores/run",
        {"sequence": 8, "kind": "full", "customers": 40, "changed": 3},
    )


WRITES = [
    WriteCase(
        "POST",
        "/analytics/rescore",
        "/analytics/rescore",
        {},
        upstream=("analytics", "POST", r"/v1/scores/run"),
        role="analyst",
        prepare=_run,
    ),
]
