"""Which network addresses ingest may connect to: public ones only, unless told otherwise.

Anyone who controls a feed controls the URLs ingest fetches (the feed, its redirects, its
items' links for full text). Without this policy such a URL could point at the cloud metadata
service, the Redis next door or an admin page on the LAN, and the page would come back as an
article. Plain Python; the only I/O is the resolver, which tests replace with a stub.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""Host name and port to the addresses to try, in order (a stub in tests)."""

SETTING = "FEED_ALLOW_PRIVATE_NETWORKS"

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_BYTES = 4
_LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


class AddressRefused(Exception):
    """A host that is, or resolves only to, addresses the policy refuses; the message says why."""


def _number(part: str) -> int | None:
    # inet_aton's reading of one part: 0x… hexadecimal, 0… octal, else decimal.
    digits, base = part, 10
    if part[:2].lower() == "0x":
        digits, base = part[2:] or "0", 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    try:
        # int() alone would also take signs, underscores and non-ASCII digits.
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _ipv4_numeric(host: str) -> ipaddress.IPv4Address | None:
    # Resolvers (inet_aton) and browsers (WHATWG URL) read `2130706433`, `0x7f000001`,
    # `0177.0.0.1` and `127.1` as 127.0.0.1: one to four parts, the last fills the rest.
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= _IPV4_BYTES or not all(parts):
        return None
    numbers = [_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    *leading, last = (number for number in numbers if number is not None)
    if any(number > 255 for number in leading) or last >= 256 ** (_IPV4_BYTES - len(leading)):
        return None
    value = last
    for shift, number in enumerate(reversed(leading), start=_IPV4_BYTES - len(leading)):
        value |= number << (8 * shift)
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> IPAddress | None:
    """The address `host` spells out itself (any IPv4 form resolvers accept, IPv6 with or
    without brackets and zone), or None for a host name that needs resolving."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.replace("%25", "%"))
        except ValueError:
            return None
    return _ipv4_numeric(host)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # These IPv6 forms reach an IPv4 host, so that host is what decides.
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


def refusal_reason(address: IPAddress) -> str | None:
    """Why connecting to `address` is refused ("loopback", "private", …), None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return refusal_reason(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not public", not address.is_global),  # e.g. 100.64.0.0/10, shared by carriers
    )
    return next((reason for reason, refused in checks if refused), None)


def _refused(host: str, address: IPAddress) -> AddressRefused:
    which = "the address" if str(address) == host else f"its address {address}"
    reason = refusal_reason(address)
    return AddressRefused(f"refused {host}: {which} is {reason} ({SETTING} is off)")


def _named_loopback(host: str) -> IPAddress | None:
    # RFC 6761: `localhost` and names under it are loopback whatever DNS would say.
    name = host.removesuffix(".")
    return _LOOPBACK if name == "localhost" or name.endswith(".localhost") else None


def check_literal_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host is itself a refused address, or `localhost` (any other host
    name is checked when it is fetched, since what it resolves to can change)."""
    host = urlsplit(url).hostname or ""
    address = literal_address(host) or _named_loopback(host)
    if address is not None and not allow_private and refusal_reason(address):
        raise _refused(host, address)


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The system's getaddrinfo, in a worker thread so the event loop never waits on DNS."""
    answers = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = (ipaddress.ip_address(str(sockaddr[0]).split("%")[0]) for *_, sockaddr in answers)
    return list(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """Where ingest may connect: public addresses, or any with `allow_private`."""

    allow_private: bool = False
    resolve: Resolver = system_resolver

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to for `host`, each one checked, in the resolver's order.

        Refused addresses are dropped; AddressRefused if none is left. Callers connect to
        these addresses, never to the name, so a second lookup cannot answer differently.
        """
        literal = literal_address(host)
        found = [literal] if literal is not None else list(await self.resolve(host, port))
        if self.allow_private:
            return found
        allowed = [address for address in found if refusal_reason(address) is None]
        if found and not allowed:
            raise _refused(host, found[0])
        return allowed
