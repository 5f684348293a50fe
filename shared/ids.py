"""Canonical URLs and stable article ids."""

from __future__ import annotations

import hashlib
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


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default port, fragment and tracking parameters.

    Raises ValueError for anything that is not an absolute http(s) URL.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        msg = f"not an absolute http(s) URL: {url!r}"
        raise ValueError(msg)
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _digest(kind: str, value: str) -> str:
    # The kind is hashed in so a GUID can never collide with a URL of the same text.
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()[:32]


def article_id(*, url: str | None, guid: str | None, title: str | None, text: str) -> str:
    """Stable id: from the canonical URL, else the GUID, else a hash of title and text."""
    if url:
        return _digest("url", canonical_url(url))
    if guid and guid.strip():
        return _digest("guid", guid.strip())
    return _digest("content", f"{(title or '').strip()}\n{text.strip()}")
