"""Which webhook targets are safe: HTTPS on a public address, never the platform's own network."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from streetlevel.notifications.domain.errors import UnsafeTarget

#: Cloud metadata endpoints that are not all inside the link-local range.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("100.100.100.200"),
        ipaddress.ip_address("fd00:ec2::254"),
    }
)
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "instance-data"})
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Target:
    """A parsed endpoint: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str


@lru_cache(maxsize=4096)  # parsed at every attempt; a refusal raises and is never cached
def parse_target(url: str, *, allow_loopback: bool) -> Target:
    """The target of ``url``, refusing anything but HTTPS (plain HTTP only in test mode)."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget("The URL is too long.")
    parts = urlsplit(url)
    allowed = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeTarget("Webhook URLs must use https.")
    if not parts.hostname or parts.username or parts.password or parts.fragment:
        raise UnsafeTarget("Webhook URLs need a host and take no credentials or fragment.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget("The URL's port is malformed.") from exc
    host = parts.hostname.rstrip(".").lower()
    if host in METADATA_HOSTS or host.endswith((".internal", ".local", ".localhost")):
        raise UnsafeTarget(f"{host} is not a public host.")
    if host == "localhost" and not allow_loopback:
        raise UnsafeTarget("localhost is not a public host.")
    literal = _literal(host)
    if literal is not None:
        check_address(literal, allow_loopback=allow_loopback)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path)


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_address(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | str, *, allow_loopback: bool
) -> None:
    """Refuse loopback, private, link-local, multicast, reserved and metadata addresses."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip in METADATA_ADDRESSES:
        raise UnsafeTarget(f"{ip} is a metadata address.")
    if ip.is_loopback:
        if allow_loopback:
            return
        raise UnsafeTarget(f"{ip} is a loopback address.")
    if ip.is_multicast:
        raise UnsafeTarget(f"{ip} is a multicast address.")
    if ip.is_link_local:
        raise UnsafeTarget(f"{ip} is a link-local address.")
    if ip.is_private or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        raise UnsafeTarget(f"{ip} is not a public address.")
