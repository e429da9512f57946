"""The sign-in's writes (``console_fakes.WriteCase``)."""

from services.console.tests.console_fakes import FakeServices, WriteCase


def _token(services: FakeServices) -> None:
    services.on(
        "POST",
        "identity",
        "/v1/oauth/token",
        {"access_token": "t", "token_type": "Bearer", "expires_in": 60, "scope": ""},
    )


WRITES = [
    WriteCase(
        "POST",
        "/sign-in",
        "/sign-in",
        {"email": "rep@crm.example.com", "password": "secret"},
        upstream=("identity", "POST", "/v1/oauth/token"),
        prepare=_token,
    ),
]
# Signing out only forgets the cookie: it changes nothing anywhere.
LOCAL_ONLY = [("POST", "/sign-out")]
