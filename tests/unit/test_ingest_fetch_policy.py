"""The network policy at the fetch layer: feeds and redirects, over a network that is never
touched (a stub resolver, canned responses)."""

from __future__ import annotations

import pytest

from services.ingest.fetch import FetchError, FetchLimits, fetch, make_client
from services.ingest.netpolicy import NetworkPolicy
from tests.fakenet import CannedNetwork, StubResolver, http_response

LIMITS = FetchLimits(connect_timeout=1, total_timeout=5, max_bytes=100_000, max_redirects=3)
PUBLIC = "93.184.215.14"
RESOLVER = {
    "feeds.test": [PUBLIC],
    "metadata.test": ["169.254.169.254"],
    "intranet.test": ["10.0.0.1"],
    "loopback.test": ["::1"],
    "ula.test": ["fc00::1"],
    "mapped.test": ["::ffff:127.0.0.1"],
}


async def _fetch(
    url: str, network: CannedNetwork, resolve: StubResolver, *, allow_private: bool = False
) -> bytes:
    policy = NetworkPolicy(allow_private=allow_private, resolve=resolve)
    async with make_client(
        LIMITS, user_agent="test", max_connections=4, policy=policy, network=network
    ) as client:
        return (await fetch(client, url, limits=LIMITS)).body


@pytest.mark.parametrize(
    "url",
    [
        "http://metadata.test/latest/meta-data/",
        "http://intranet.test/",
        "http://loopback.test:6379/",
        "https://ula.test/feed",
        "http://mapped.test/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]:6379/",
    ],
)
async def test_by_default_internal_addresses_are_refused_before_connecting(url: str) -> None:
    network = CannedNetwork({})
    with pytest.raises(FetchError, match=r"^refused .*FEED_ALLOW_PRIVATE_NETWORKS is off"):
        await _fetch(url, network, StubResolver(RESOLVER))
    assert network.connected == []


async def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    network = CannedNetwork({PUBLIC: http_response(b"<rss/>")})
    resolve = StubResolver(RESOLVER)
    assert await _fetch("http://feeds.test/rss", network, resolve) == b"<rss/>"
    assert resolve.lookups == ["feeds.test"]
    assert network.connected == [PUBLIC]


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.1/admin", "http://metadata.test/latest/", "http://[::1]/", "http://127.1/"],
)
async def test_every_redirect_is_checked_again(target: str) -> None:
    network = CannedNetwork({PUBLIC: http_response(status=302, headers={"location": target})})
    with pytest.raises(FetchError, match=r"^refused "):
        await _fetch("http://feeds.test/rss", network, StubResolver(RESOLVER))
    assert network.connected == [PUBLIC]


async def test_an_unreachable_address_gives_way_to_the_next_allowed_one() -> None:
    network = CannedNetwork({PUBLIC: http_response(b"ok")})
    resolve = StubResolver({"feeds.test": ["2606:4700::1111", "10.0.0.1", PUBLIC]})
    assert await _fetch("http://feeds.test/", network, resolve) == b"ok"
    assert network.connected == ["2606:4700::1111", PUBLIC]


async def test_private_networks_are_reached_when_allowed() -> None:
    network = CannedNetwork({"10.0.0.1": http_response(b"lan")})
    resolve = StubResolver(RESOLVER)
    body = await _fetch("http://intranet.test/", network, resolve, allow_private=True)
    assert body == b"lan"
    assert network.connected == ["10.0.0.1"]


async def test_a_name_that_does_not_resolve_is_a_connect_error() -> None:
    with pytest.raises(FetchError, match=r"ConnectError: nowhere\.test: "):
        await _fetch("http://nowhere.test/", CannedNetwork({}), StubResolver(RESOLVER))
