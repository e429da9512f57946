"""The marketing pages' writes (``console_fakes.WriteCase``).

The size preview is a console POST (the builder's form, posted by htmx on every change) that
makes analytics' ``POST /v1/segments/preview``: a read sent as a POST because the filter is
a body; listed here all the same, as the one service call it makes."""

from services.console.tests.console_fakes import FakeServices, WriteCase

BUILDER_FORM = {"name": "Young retail", "age_band": "25-34", "industry": "retail"}

SEGMENT_ID = "5b0e7c1e-6a57-4d43-9d0e-3f1c3f1b2a10"


def _preview(services: FakeServices) -> None:
    services.on("POST", "analytics", "/v1/segments/preview", {"size": 3, "sample": []})


def _saved(services: FakeServices) -> None:
    services.on("POST", "analytics", "/v1/segments", {"id": SEGMENT_ID}, status=201)


WRITES = [
    WriteCase(
        "POST",
        "/marketing/segments/preview",
        "/marketing/segments/preview",
        BUILDER_FORM,
        upstream=("analytics", "POST", "/v1/segments/preview"),
        role="marketing",
        prepare=_preview,
    ),
    WriteCase(
        "POST",
        "/marketing/segments",
        "/marketing/segments",
        BUILDER_FORM,
        upstream=("analytics", "POST", "/v1/segments"),
        role="marketing",
        prepare=_saved,
    ),
]
