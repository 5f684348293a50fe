from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.ids import _canonical_parsed, article_id, canonical_query, canonical_url

hosts = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}(\.[A-Za-z]{2,6}){1,2}", fullmatch=True)
paths = st.from_regex(r"(/[A-Za-z0-9._~-]{0,12}){0,4}", fullmatch=True)
params = st.lists(
    st.tuples(st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.text("abc123", max_size=5)),
    max_size=4,
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    query = "&".join(f"{k}={v}" for k, v in draw(params))
    fragment = draw(st.sampled_from(["", "#top", "#section-2"]))
    return f"{scheme}://{draw(hosts)}{draw(paths)}{'?' + query if query else ''}{fragment}"


@given(urls())
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@given(urls())
def test_canonical_url_lowercases_scheme_and_host_and_drops_fragment(url: str) -> None:
    canonical = canonical_url(url)
    scheme, _, rest = canonical.partition("://")
    host = rest.split("/", 1)[0]
    assert scheme == scheme.lower()
    assert host == host.lower()
    assert "#" not in canonical


@given(urls(), st.sampled_from(["utm_source=x", "fbclid=abc", "gclid=1", "UTM_Campaign=y"]))
def test_tracking_parameters_do_not_change_the_id(url: str, tracking: str) -> None:
    base, _, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    tracked = f"{base}{joiner}{tracking}" + (f"#{fragment}" if fragment else "")
    assert canonical_url(tracked) == canonical_url(url)
    assert article_id(url=tracked, guid=None, title=None, text="x") == article_id(
        url=url, guid=None, title=None, text="y"
    )


def test_default_port_dropped_and_other_port_kept() -> None:
    assert canonical_url("https://Example.COM:443/a?b=1#c") == "https://example.com/a?b=1"
    assert canonical_url("http://example.com:8080") == "http://example.com:8080/"


@pytest.mark.parametrize("bad", ["ftp://example.com/x", "/relative/path", "https://", "not a url"])
def test_non_http_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not an absolute http"):
        canonical_url(bad)


def test_id_prefers_guid_then_url_then_content() -> None:
    by_guid = article_id(url="https://a.example/x", guid="g", title="t", text="body")
    by_url = article_id(url="https://a.example/x", guid=None, title="t", text="body")
    by_content = article_id(url=None, guid=None, title="t", text="body")
    assert len({by_url, by_guid, by_content}) == 3
    assert by_guid == article_id(url=None, guid=" g ", title="other", text="other")
    assert by_content == article_id(url=None, guid="  ", title="t", text="body")
    assert by_content != article_id(url=None, guid=None, title="t", text="body!")


def test_permalink_guid_is_the_same_article_as_its_link() -> None:
    # One feed gives the permalink as GUID, another only as link: one article.
    assert article_id(
        url=None, guid="HTTPS://News.example.com/a?utm_source=rss", title="t", text="x"
    ) == article_id(url="https://news.example.com/a", guid=None, title="u", text="y")


def test_bare_guids_are_scoped_to_their_feed_and_uris_are_not() -> None:
    one = article_id(url=None, guid="123", title=None, text="x", guid_scope="a.example")
    other = article_id(url=None, guid="123", title=None, text="x", guid_scope="b.example")
    assert one != other
    tag = "tag:example.com,2026:entry-1"
    assert article_id(url=None, guid=tag, title=None, text="x", guid_scope="a.example") == (
        article_id(url=None, guid=tag, title=None, text="y", guid_scope="b.example")
    )


@given(st.text(), st.text())
def test_content_id_is_stable_and_hex(title: str, text: str) -> None:
    first = article_id(url=None, guid=None, title=title, text=text)
    assert first == article_id(url=None, guid=None, title=title, text=text)
    assert len(first) == 32
    assert all(c in "0123456789abcdef" for c in first)


_QUERY_TEXT = st.text(alphabet="aB0_.~-%27+é =;&", max_size=6)
_QUERIES = st.one_of(
    _QUERY_TEXT,
    st.lists(st.tuples(st.sampled_from(["a", "utm_source", "B.0", "%41"]), _QUERY_TEXT)).map(
        lambda pairs: "&".join(f"{name}={value}" for name, value in pairs)
    ),
)


@given(_QUERIES)
def test_canonical_query_is_what_urlencode_of_the_pairs_gives(query: str) -> None:
    # The plain-query shortcut must give exactly the re-encoding ids were built with.
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _tracking(k)]
    assert canonical_query(query) == urlencode(pairs)


def _tracking(name: str) -> bool:
    return name.lower().startswith("utm_") or name.lower() in {"fbclid", "gclid"}


_URL_PIECES = st.sampled_from(
    [
        *("http://", "https://", "HTTP://", "news.example.com", "EXAMPLE.org", ":8080", ":443"),
        *("/", "/a/b", "/café", "/x;p", "?", "?a=1", "&utm_source=rss", "#frag", "#x?y", "%20"),
        *(" ", "\t", "\n", "@", "[::1]", "_", "..", "?q=%41&b", "user@"),
    ]
)


@given(st.lists(_URL_PIECES, min_size=1, max_size=8).map("".join))
def test_the_common_url_shortcut_gives_what_the_general_path_gives(url: str) -> None:
    try:
        expected = _canonical_parsed(url)
    except ValueError as refusal:
        with pytest.raises(ValueError, match=re.escape(str(refusal))):
            canonical_url(url)
        return
    assert canonical_url(url) == expected
