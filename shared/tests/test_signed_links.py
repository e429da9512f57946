"""crm_shared.signed_links: a token reads back only under its key and salt, unchanged, and
within its age on the injected clock."""

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from crm_shared.clock import FakeClock
from crm_shared.signed_links import (
    ExpiredLinkError,
    LinkSigner,
    Payload,
    UnknownLinkError,
    link_key,
)
from pydantic import SecretStr

KEY = "a-key-of-the-service"
SIGNER = LinkSigner(KEY, "crm-test-unsubscribe")
DAY = timedelta(days=1)


class SurveyLinkUnknown(UnknownLinkError):
    default_code = "survey-link-unknown"


class SurveyLinkExpired(ExpiredLinkError):
    default_code = "survey-link-expired"
    default_message = "this survey link has expired"


@pytest.mark.parametrize(
    "payload",
    ["ticket-1", 7, None, ["m-1", "https://example.com/a?b=1&c=2"], {"c": "k-1", "l": [1, 2]}],
)
def test_a_payload_reads_back_as_signed(payload: Payload) -> None:
    clock = FakeClock()
    token = SIGNER.sign(payload, clock.now())
    assert SIGNER.load(token, clock.now(), DAY) == payload


def test_a_token_is_url_safe_and_compact() -> None:
    now = FakeClock().now()
    token = SIGNER.sign(["0190f3c2-6f1e-7bb0-9d7a-3f1d2c4b5a69", "list-7"], now)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(token) < 110
    long_url = "https://example.com/" + "path/" * 200
    assert len(SIGNER.sign(["m-1", long_url], now)) < len(long_url)  # compressed


def test_a_forged_token_is_unknown() -> None:
    now = FakeClock().now()
    for forged in (
        "not-a-token",
        "",
        "a.b.c",
        LinkSigner("another key", "crm-test-unsubscribe").sign("ticket-1", now),
    ):
        with pytest.raises(UnknownLinkError) as raised:
            SIGNER.load(forged, now, DAY)
        assert (raised.value.status, raised.value.code) == (404, "link-unknown")


def test_a_tampered_token_is_unknown() -> None:
    now = FakeClock().now()
    token = SIGNER.sign(["message-1", "https://example.com/"], now)
    payload, timestamp, signature = token.split(".")
    other = SIGNER.sign(["message-2", "https://example.com/"], now).split(".")[0]
    for tampered in (
        f"{other}.{timestamp}.{signature}",  # another payload under this signature
        f"{payload}.{timestamp}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}",
        f"{payload}.{SIGNER.sign('x', now + DAY).split('.')[1]}.{signature}",  # a later time
    ):
        with pytest.raises(UnknownLinkError):
            SIGNER.load(tampered, now, DAY)


def test_a_token_of_another_salt_is_unknown() -> None:
    now = FakeClock().now()
    click = LinkSigner(KEY, "crm-test-click").sign("message-1", now)
    with pytest.raises(UnknownLinkError):
        SIGNER.load(click, now, DAY)


def test_a_token_expires_by_the_injected_clock() -> None:
    clock = FakeClock()
    token = SIGNER.sign("ticket-1", clock.now())
    clock.advance(DAY)
    assert SIGNER.load(token, clock.now(), DAY) == "ticket-1"  # the last second still counts
    clock.advance(seconds=1)
    with pytest.raises(ExpiredLinkError) as raised:
        SIGNER.load(token, clock.now(), DAY)
    assert (raised.value.status, raised.value.code) == (410, "link-expired")
    clock.advance(days=3650)
    assert SIGNER.load(token, clock.now(), None) == "ticket-1"  # a link that never expires


def test_each_caller_names_its_errors() -> None:
    clock = FakeClock()
    signer = LinkSigner(
        KEY, "crm-test-survey", unknown=SurveyLinkUnknown, expired=SurveyLinkExpired
    )
    token = signer.sign("ticket-1", clock.now())
    with pytest.raises(SurveyLinkUnknown) as unknown:
        signer.load(token + "x", clock.now(), DAY)
    assert (unknown.value.status, unknown.value.code) == (404, "survey-link-unknown")
    clock.advance(days=2)
    with pytest.raises(SurveyLinkExpired) as expired:
        signer.load(token, clock.now(), DAY)
    assert (expired.value.code, expired.value.message) == (
        "survey-link-expired",
        "this survey link has expired",
    )
    assert UnknownLinkError(code="unsubscribe-link-unknown").code == "unsubscribe-link-unknown"


def test_the_key_is_the_configured_one_or_generated_once(tmp_path: Path) -> None:
    assert link_key(SecretStr("configured"), tmp_path, "key") == "configured"
    assert not (tmp_path / "key").exists()
    generated = link_key(None, tmp_path, "key")
    assert len(generated) >= 32
    assert stat.S_IMODE((tmp_path / "key").stat().st_mode) == 0o600
    assert link_key(SecretStr("  "), tmp_path, "key") == generated  # blank: as if unset
