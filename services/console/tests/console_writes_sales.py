"""The sales pages' writes (``console_fakes.WriteCase``): each one call of the sales API."""

from services.console.tests import sales_canned as canned
from services.console.tests.console_fakes import FakeServices, WriteCase


def _board(services: FakeServices) -> None:
    canned.board(services)


def _activities(services: FakeServices) -> None:
    canned.activities(services)


WRITES = [
    WriteCase(
        "POST",
        "/sales/opportunities/{opportunity_id}/stage",
        f"/sales/opportunities/{canned.OPPORTUNITY_ID}/stage",
        {"stage": "negotiation", "version": "3"},
        upstream=("sales", "PATCH", r"/v1/opportunities/[0-9a-f-]+"),
        prepare=_board,
    ),
    WriteCase(
        "POST",
        "/sales/activities/{activity_id}/complete",
        f"/sales/activities/{canned.ACTIVITY_ID}/complete",
        {"version": "2", "outcome": "Reached them"},
        upstream=("sales", "POST", r"/v1/activities/[0-9a-f-]+/complete"),
        prepare=_activities,
    ),
]
