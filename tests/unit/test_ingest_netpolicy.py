"""The network policy: which addresses ingest may connect to, in every spelling of them."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ingest.netpolicy import (
    AddressRefused,
    NetworkPolicy,
    check_literal_url,
    literal_address,
    refusal_reason,
    system_resolver,
)
from tests.fakenet import StubResolver


def _spellings(address: ipaddress.IPv4Address) -> list[str]:
    """Ways resolvers and browsers accept to write one IPv4 address."""
    value = int(address)
    a, b, c, d = address.packed
    return [
        str(address),
        str(value),
        hex(value),
        f"0{a:o}.0{b:o}.0{c:o}.0{d:o}",
        f"{a}.{value & 0xFFFFFF}",
        f"{a}.{b}.{value & 0xFFFF}",
        f"{address}.",
        f"[::ffff:{address}]",
        f"::ffff:{value >> 16:x}:{value & 0xFFFF:x}",
    ]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("fe80::1%25eth0", "fe80::1%eth0"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("08.1.1.1", None),  # not octal: a name to look up, as inet_aton sees it
        ("1_0.0.0.1", None),
        ("\u0661.1.1.1", None),  # non-ASCII digits are no number to a resolver
    ],
)
def test_literal_addresses_in_their_odd_forms(host: str, expected: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == expected


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "not public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "private"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 of 169.254.169.254
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),  # NAT64 of a public address: fine on IPv6-only hosts
    ],
)
def test_refusal_reasons(address: str, reason: str | None) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) == reason


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_every_spelling_of_an_ipv4_address_is_that_address(value: int) -> None:
    address = ipaddress.IPv4Address(value)
    for spelling in _spellings(address):
        found = literal_address(spelling)
        assert found is not None, spelling
        assert refusal_reason(found) == refusal_reason(address), spelling


@given(
    st.sampled_from(["10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "192.168.0.0/16"]),
    st.integers(min_value=0, max_value=2**24 - 1),
)
def test_no_spelling_of_an_internal_address_is_allowed(network: str, offset: int) -> None:
    block = ipaddress.IPv4Network(network)
    address = block.network_address + offset % block.num_addresses
    for spelling in _spellings(address):
        found = literal_address(spelling)
        assert found is not None, spelling
        assert refusal_reason(found) is not None, spelling


@given(st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}", fullmatch=True))
def test_host_names_are_left_to_the_resolver(name: str) -> None:
    assert literal_address(name) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://localhost:6379/",
        "http://0x7f000001/",
        "http://[::ffff:127.0.0.1]/feed",
    ],
)
def test_a_feed_url_naming_an_internal_address_is_refused_outright(url: str) -> None:
    with pytest.raises(AddressRefused, match="FEED_ALLOW_PRIVATE_NETWORKS is off"):
        check_literal_url(url, allow_private=False)
    check_literal_url(url, allow_private=True)


def test_a_feed_url_with_a_host_name_waits_for_the_fetch() -> None:
    check_literal_url("https://intranet.example.com/feed", allow_private=False)


@pytest.mark.parametrize(
    "internal", ["10.0.0.1", "169.254.169.254", "::1", "fc00::1", "::ffff:127.0.0.1"]
)
async def test_a_name_resolving_to_internal_addresses_is_refused(internal: str) -> None:
    policy = NetworkPolicy(resolve=StubResolver({"feeds.test": [internal]}))
    shown = ipaddress.ip_address(internal)
    with pytest.raises(AddressRefused, match=f"refused feeds.test: its address {shown} is "):
        await policy.addresses("feeds.test", 443)


async def test_only_the_public_addresses_of_a_name_are_used() -> None:
    resolve = StubResolver({"feeds.test": ["10.0.0.1", "93.184.215.14", "::1"]})
    assert await NetworkPolicy(resolve=resolve).addresses("feeds.test", 80) == [
        ipaddress.ip_address("93.184.215.14")
    ]
    allowed = NetworkPolicy(allow_private=True, resolve=resolve)
    assert len(await allowed.addresses("feeds.test", 80)) == 3


async def test_a_literal_address_is_never_looked_up() -> None:
    resolve = StubResolver({})
    with pytest.raises(AddressRefused):
        await NetworkPolicy(resolve=resolve).addresses("0x7f000001", 80)
    assert await NetworkPolicy(resolve=resolve).addresses("93.184.215.14", 80)
    assert resolve.lookups == []


async def test_the_system_resolver_reads_numeric_hosts_without_dns() -> None:
    assert await system_resolver("127.0.0.1", 80) == [ipaddress.ip_address("127.0.0.1")]
