"""Numeric character references that name UTF-16 surrogates, repaired before parsing.

Some feeds write an emoji as the two halves of its UTF-16 form (`&#55357;&#56832;` for 😀).
A surrogate is not a character, and feedparser raises UnicodeEncodeError on it, which would
fail the whole feed. A high half followed by a low half becomes the one character they encode;
any other surrogate reference becomes U+FFFD, the replacement character. Works on the raw
bytes of any ASCII-compatible encoding, where references are ASCII.
"""

from __future__ import annotations

import re

_REFERENCE = re.compile(rb"&#(?:[xX](?P<hex>[0-9a-fA-F]{1,8})|(?P<dec>[0-9]{1,10}));")
_HIGH = range(0xD800, 0xDC00)
_LOW = range(0xDC00, 0xE000)
_REPLACEMENT = b"&#65533;"


def _code(match: re.Match[bytes]) -> int:
    hexa, decimal = match.group("hex"), match.group("dec")
    return int(hexa, 16) if hexa is not None else int(decimal or b"0")


def repair_surrogate_references(body: bytes) -> bytes:
    """`body` with surrogate references paired into characters or replaced by U+FFFD."""
    # One byte is looked for at memory speed, two ("&#") a hundred times slower in escaped
    # markup full of "&": a body without "#" has no reference at all.
    if b"#" not in body or b"&#" not in body:
        return body
    out: list[bytes] = []
    position = 0
    pending: re.Match[bytes] | None = None
    for match in _REFERENCE.finditer(body):
        code = _code(match)
        if pending is not None:
            if match.start() == pending.end() and code in _LOW:
                high = _code(pending)
                joined = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                out.append(body[position : pending.start()])
                out.append(b"&#%d;" % joined)
                position = match.end()
                pending = None
                continue
            out.append(body[position : pending.start()] + _REPLACEMENT)
            position = pending.end()
            pending = None
        if code in _HIGH:
            pending = match
        elif code in _LOW:
            out.append(body[position : match.start()] + _REPLACEMENT)
            position = match.end()
    if pending is not None:
        out.append(body[position : pending.start()] + _REPLACEMENT)
        position = pending.end()
    out.append(body[position:])
    return b"".join(out)
