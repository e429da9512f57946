"""The pure rules of partner webhooks: patterns, the scope each event needs, the retry
schedule, Standard Webhooks signatures and the SSRF address checks."""

import ipaddress
from datetime import timedelta

import pytest
from crm_identity.sealing import new_key
from crm_identity.settings import IdentitySettings
from crm_identity.webhooks import rules, signing
from crm_identity.webhooks.targets import TargetPolicy, UnsafeTargetError, check_target, is_public
from crm_shared.auth.permissions import Permission

from services.identity.tests.identity_helpers import ADMIN_PASSWORD


@pytest.mark.parametrize(
    ("pattern", "event_type", "expected"),
    [
        ("*", "crm.customer.created.v1", True),
        ("crm.*", "crm.sales.order_placed.v1", True),
        ("crm.customer.*", "crm.customer.created.v1", True),
        ("crm.customer.*", "crm.customers.created.v1", False),  # whole segments only
        ("crm.customer.*", "crm.sales.order_placed.v1", False),
        ("crm.customer.created.*", "crm.customer.created.v2", True),
        ("crm.customer.created.v1", "crm.customer.created.v1", True),
        ("crm.customer.created.v1", "crm.customer.created.v2", False),
    ],
)
def test_patterns_match_whole_segments(pattern: str, event_type: str, expected: bool) -> None:
    assert rules.matches(pattern, event_type) is expected


def test_each_event_domain_needs_its_permission_and_identity_events_are_never_sent() -> None:
    assert rules.permission_for("crm.customer.erased.v1") == Permission.CUSTOMERS_READ
    assert rules.permission_for("crm.analytics.churn_risk.changed.v1") == Permission.ANALYTICS_READ
    assert rules.permission_for("crm.identity.user_created.v1") is None
    assert rules.may_receive(["customers:read"], "crm.customer.created.v1")
    assert not rules.may_receive(["customers:read"], "crm.sales.order_placed.v1")
    assert rules.permission_for("crm.sales.order_placed.v1") == Permission.SALES_READ
    assert rules.may_receive(["sales:read"], "crm.sales.order_placed.v1")
    assert rules.permission_for("crm.support.ticket_opened.v1") == Permission.SUPPORT_READ
    assert not rules.may_receive(["profiles:read"], "crm.support.ticket_opened.v1")
    assert not rules.may_receive(["identity:admin"], "crm.identity.user_created.v1")


def test_a_pattern_needs_every_permission_of_what_it_can_match() -> None:
    everything = {
        Permission.CUSTOMERS_READ,
        Permission.SALES_READ,
        Permission.SUPPORT_READ,
        Permission.CAMPAIGNS_READ,
        Permission.ANALYTICS_READ,
    }
    assert rules.permissions_for_pattern("*") == everything
    assert rules.permissions_for_pattern("crm.*") == everything
    assert rules.permissions_for_pattern("crm.customer.*") == {Permission.CUSTOMERS_READ}
    assert rules.permissions_for_pattern("crm.support.*") == {Permission.SUPPORT_READ}
    assert rules.permissions_for_pattern("crm.identity.*") == set()
    assert rules.missing_permissions("*", ["customers:read"]) == {
        Permission.SALES_READ,
        Permission.SUPPORT_READ,
        Permission.CAMPAIGNS_READ,
        Permission.ANALYTICS_READ,
    }
    assert rules.permissions_for_pattern("crm.marketing.*") == {Permission.CAMPAIGNS_READ}
    assert rules.missing_permissions("crm.customer.created.v1", ["customers:read"]) == set()


def test_the_default_retry_schedule_is_the_standard_webhooks_one_over_about_a_day() -> None:
    schedule = IdentitySettings(
        bootstrap_admin_password=ADMIN_PASSWORD
    ).webhook_retry_schedule_seconds
    delays = [rules.retry_delay(schedule, n) for n in range(1, len(schedule) + 2)]
    assert delays[:-1] == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
    ]
    assert delays[-1] is None  # the eighth attempt failed: given up
    total = sum((d for d in delays if d is not None), timedelta())
    assert timedelta(hours=24) < total < timedelta(hours=30)


def test_the_signature_is_the_standard_webhooks_reference_vector() -> None:
    # From the Standard Webhooks reference library's tests (libraries/python).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, signature)
    assert not signing.verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body, signature)
    rotated = f"v1,bm90IHRoaXMgb25l {signature}"  # several signatures while rotating
    assert signing.verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, rotated)


def test_new_secrets_are_32_random_bytes_behind_the_prefix() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_")
    assert first != second
    assert len(signing._key(first)) == 32


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2001:db8::1",  # documentation
    ],
)
def test_inside_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def resolving_to(*addresses: str) -> TargetPolicy:
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return TargetPolicy(allow_private=False, allow_http=False, resolve=resolve)


async def test_a_name_resolving_to_any_inside_address_is_refused() -> None:
    target = await check_target("https://hooks.example.com/in", resolving_to("93.184.215.14"))
    assert (target.host, target.port, target.address) == ("hooks.example.com", 443, "93.184.215.14")
    with pytest.raises(UnsafeTargetError, match="non-public address"):
        await check_target(
            "https://hooks.example.com/in", resolving_to("93.184.215.14", "10.0.0.7")
        )
    with pytest.raises(UnsafeTargetError, match="non-public address"):
        await check_target("https://[::1]:8443/in", resolving_to("::1"))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/in", "scheme must be https"),
        ("ftp://hooks.example.com/in", "scheme must be https"),
        ("https://user:pw@hooks.example.com/in", "credentials"),
        ("https:///in", "names no host"),
        ("https://hooks.example.com:99999/in", "not a valid URL"),
        ("https://hooks.example.com/in#x", "fragment"),
    ],
)
async def test_urls_of_the_wrong_form_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeTargetError, match=reason):
        await check_target(url, resolving_to("93.184.215.14"))


async def test_development_allows_private_targets_and_http_without_resolving() -> None:
    async def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError("not resolved when private targets are allowed")

    policy = TargetPolicy(allow_private=True, allow_http=True, resolve=no_dns)
    target = await check_target("http://127.0.0.1:9/in", policy)
    assert target.address is None
    with pytest.raises(UnsafeTargetError, match="credentials"):
        await check_target("http://u:p@127.0.0.1:9/in", policy)


def test_settings_allow_private_targets_and_http_only_in_development() -> None:
    development = IdentitySettings(bootstrap_admin_password=ADMIN_PASSWORD)
    assert development.webhook_allow_private_targets
    assert development.webhook_allow_http
    production = IdentitySettings(
        environment="production",
        bootstrap_admin_password="a-real-long-admin-secret",
        secrets_keys=new_key(),
    )
    assert not production.webhook_allow_private_targets
    assert not production.webhook_allow_http
