"""Canonical URLs and stable article ids."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader; dropping them makes one article one URL.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "ref_src",
        "cmpid",
        "ocid",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PLAIN_PAIR = r"[A-Za-z0-9._~-]+=[A-Za-z0-9._~-]*"
_PLAIN_QUERY = re.compile(f"(?:{_PLAIN_PAIR}(?:&{_PLAIN_PAIR})*)?")
_COMMON_URL = re.compile(
    r"(https?)://([a-z0-9.-]+)(/[^?#\x00-\x20]*)?(?:\?([^#\x00-\x20]*))?(?:#.*)?"
)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


# Ingest canonicalises each link when it reads an entry and again when it makes its id; the
# cache makes the second time free.
@functools.lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default port, fragment and tracking parameters.

    Raises ValueError for anything that is not an absolute http(s) URL.
    """
    stripped = url.strip()
    if common := _COMMON_URL.fullmatch(stripped):
        # Most links: lower-case scheme and host, no port or user, nothing urlsplit would drop
        # or escape; reading them directly gives what the general path gives.
        scheme, host, path, query = common.groups()
        query = canonical_query(query or "")
        return f"{scheme}://{host}{path or '/'}{'?' if query else ''}{query}"
    return _canonical_parsed(url)


def _canonical_parsed(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    hostname = parts.hostname
    if scheme not in _DEFAULT_PORTS or not hostname:
        msg = f"not an absolute http(s) URL: {url!r}"
        raise ValueError(msg)
    host = hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", canonical_query(parts.query), ""))


def canonical_query(query: str) -> str:
    """The query re-encoded one way (`urlencode` of its pairs), tracking parameters dropped."""
    if _PLAIN_QUERY.fullmatch(query):
        # Names and values of characters urlencode leaves alone, one "=" each: re-encoding
        # would give the same text back, so only the tracking pairs need to go.
        return "&".join(pair for pair in query.split("&") if not _is_tracking(pair.split("=")[0]))
    return urlencode(
        [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)]
    )


def _digest(kind: str, value: str) -> str:
    # The kind is hashed in so a GUID can never collide with a URL of the same text.
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()[:32]


def _has_scheme(value: str) -> bool:
    # "tag:…", "urn:…" and URLs name themselves globally; a bare "12345" is unique in one feed only.
    scheme, sep, _ = value.partition(":")
    return bool(sep) and scheme.isascii() and scheme.isalpha()


def article_id(
    *,
    url: str | None,
    guid: str | None,
    title: str | None,
    text: str,
    guid_scope: str | None = None,
) -> str:
    """Stable id: from the GUID, else the canonical URL, else a hash of title and text.

    A GUID that is an http(s) URL counts as that URL (canonicalised), so the same article is one
    id in a feed that gives only its link. A GUID without a scheme is only unique inside its
    feed, so it is qualified by `guid_scope` (the feed's identity) when one is given.
    """
    guid = guid.strip() if guid else None
    if guid:
        if guid[:4].lower() == "http":  # spares the URL parser the many GUIDs that are not URLs
            try:
                return _digest("url", canonical_url(guid))
            except ValueError:
                pass
        if guid_scope and not _has_scheme(guid):
            return _digest("guid", f"{guid_scope}\x00{guid}")
        return _digest("guid", guid)
    if url:
        return _digest("url", canonical_url(url))
    return _digest("content", f"{(title or '').strip()}\n{text.strip()}")


def content_fingerprint(title: str | None, text: str) -> str:
    """What a revision is measured by: the article's title and text, nothing else."""
    return _digest("content", f"{title or ''}\n{text}")


def tell_apart(article_id_: str, distinguisher: str) -> str:
    """A derived id for one of several different entries a feed gave the same identity."""
    return _digest("repeat", f"{article_id_}\x00{distinguisher}")


_KEY_CHARS = re.compile(r"[^a-z0-9]+")


def entity_key(label: str, name: str) -> str:
    """`LABEL:ascii-slug`: the same name and type give the same key in every article."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return f"{label}:{_KEY_CHARS.sub('-', folded).strip('-')}"
