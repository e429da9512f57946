"""Where a webhook may be sent: server-side request forgery guards (OWASP API7).

A partner names the URL, and the identity service sends to it from inside the network, so
a URL must not reach what only the inside can: loopback, private ranges, link-local (cloud
metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved and unspecified
addresses, in IPv4 and IPv6 (an IPv4 address mapped into IPv6 is judged as the IPv4 one).
The check runs when a subscription is made and again before every attempt, on the
addresses the name resolves to then (a name may be re-pointed after the first check: DNS
rebinding); the attempt then connects to the address that was checked, not to a second
lookup. Redirects are never followed. ``CRM_IDENTITY_WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts
the address check (development: a receiver on the developer's machine).
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeAlias
from urllib.parse import SplitResult, urlsplit

from crm_shared.errors import InvalidError

Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
# host, port -> every address the name resolves to
Resolver: TypeAlias = Callable[[str, int], Awaitable[list[str]]]

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
# 64:ff9b::/96 (NAT64) carries an IPv4 address in its last 32 bits.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeTargetError(InvalidError):
    """A webhook URL this service will not send to."""

    default_code = "webhook-url-refused"


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public(address: Address) -> bool:
    """Whether ``address`` is a public unicast address (anything else is refused)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
        )
        if embedded is not None:
            return is_public(embedded)
    refused = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global  # carrier-grade NAT 100.64/10, documentation ranges, ...
    )
    return not refused


@dataclass(frozen=True)
class TargetPolicy:
    allow_private: bool
    allow_http: bool
    resolve: Resolver = field(default=system_resolver, compare=False)


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``; None when private targets are allowed
    and the name is left to the HTTP client) and the name to present (Host, TLS SNI)."""

    url: str
    scheme: str
    host: str
    port: int
    address: str | None


def parse_url(url: str, policy: TargetPolicy) -> SplitResult:
    """The URL's parts, if its form is acceptable (no network access)."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTargetError(f"at most {MAX_URL_LENGTH} characters", location="body.url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise UnsafeTargetError("not a valid URL", location="body.url") from error
    allowed = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeTargetError(f"the scheme must be {' or '.join(allowed)}", location="body.url")
    if not parts.hostname:
        raise UnsafeTargetError("the URL names no host", location="body.url")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTargetError(
            "credentials in the URL are refused: authenticate the signature instead",
            location="body.url",
        )
    if parts.fragment:
        raise UnsafeTargetError("a fragment is never sent: leave it out", location="body.url")
    return parts


async def check_target(url: str, policy: TargetPolicy) -> Target:
    """The target to connect to, or :class:`UnsafeTargetError`."""
    parts = parse_url(url, policy)
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    if policy.allow_private:
        return Target(url, parts.scheme, host, port, None)
    try:
        addresses = [
            ipaddress.ip_address(a.split("%")[0]) for a in await policy.resolve(host, port)
        ]
    except (OSError, ValueError) as error:
        raise UnsafeTargetError(
            f"the host {host} cannot be resolved", location="body.url"
        ) from error
    if not addresses:
        raise UnsafeTargetError(f"the host {host} cannot be resolved", location="body.url")
    # Every address must be public: a name that also resolves to an inside address could be
    # made to connect there.
    refused = sorted({str(a) for a in addresses if not is_public(a)})
    if refused:
        raise UnsafeTargetError(
            f"the host {host} resolves to a non-public address ({', '.join(refused)})",
            location="body.url",
        )
    return Target(url, parts.scheme, host, port, str(addresses[0]))
