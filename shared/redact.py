"""Passwords out of what is printed or logged: every URL's password shown as `***`.

Settings hold URLs with credentials (`REDIS_URL`, `DATABASE_URL`); they reach the console, the
logs and error messages, and none of those should carry the secret.
"""

from __future__ import annotations

import re

MASK = "***"

# scheme://user:password@ (the password runs to the last "@" of the authority, so an
# unescaped "@" inside it is covered too); and password=… in a query string.
_USERINFO = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)[^/\s]*@")
_QUERY = re.compile(r"(?P<head>[?&]password=)[^&#\s]*", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` (a URL, a message, a traceback) with the password of every URL in it as `***`."""
    text = _USERINFO.sub(lambda m: f"{m['head']}{MASK}@", text)
    return _QUERY.sub(lambda m: f"{m['head']}{MASK}", text)
