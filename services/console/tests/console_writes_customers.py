"""The customer pages' writes (``console_fakes.WriteCase``)."""

from services.console.tests.console_fakes import FakeServices, WriteCase
from services.console.tests.customer_samples import ADA, ADA_TWIN, customer

ETAG = {"ETag": '"3"'}


def _customers(services: FakeServices) -> None:
    services.on("GET", "customer", f"/v1/customers/{ADA}", customer(), headers=ETAG)
    services.on("GET", "customer", f"/v1/customers/{ADA_TWIN}", customer(ADA_TWIN), headers=ETAG)


WRITES = [
    WriteCase(
        "POST",
        "/customers/{customer_id}/edit",
        f"/customers/{ADA}/edit",
        {"etag": '"3"', "name": "Ada King", "kind": "individual", "email": "ada@example.com"},
        upstream=("customer", "PATCH", f"/v1/customers/{ADA}"),
        role="sales",
        prepare=_customers,
    ),
    WriteCase(
        "POST",
        "/customers/{customer_id}/merge",
        f"/customers/{ADA}/merge",
        {"etag": '"3"', "duplicate_id": ADA_TWIN},
        upstream=("customer", "POST", f"/v1/customers/{ADA}/merge"),
        role="sales",
        prepare=_customers,
    ),
    WriteCase(
        "POST",
        "/customers/{customer_id}/erase",
        f"/customers/{ADA}/erase",
        {
            "etag": '"3"',
            "name": "Ada Lovelace",
            "confirm_name": "Ada Lovelace",
            "reason": "ticket 4711",
        },
        upstream=("customer", "POST", f"/v1/customers/{ADA}/erasure"),
        prepare=_customers,
    ),
    WriteCase(
        "POST",
        "/customers/{customer_id}/stage",
        f"/customers/{ADA}/stage",
        {"etag": '"3"', "stage": "lost", "reason": "moved abroad"},
        upstream=("customer", "POST", f"/v1/customers/{ADA}/lifecycle"),
        role="sales",
    ),
]
