"""Feed dates as feedparser reads them, without its chain of date handlers for the usual shapes.

feedparser tries up to nine handlers in turn, each splitting and lower-casing the string
again; for an RSS date the W3DTF handler fails before the RFC 822 one succeeds, and its UTC
time tuple is then turned into a datetime. Nearly every feed writes one of two exact shapes,
RFC 822 with a numeric or GMT zone (RSS) and RFC 3339 (Atom), read here with one regular
expression and the same arithmetic straight into a datetime; any other string, or a value
out of range, goes to feedparser. tests/unit/test_ingest_feeddates.py checks both agree.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from feedparser.datetimes import _parse_date

from services.ingest.feeditems import timestamp

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
# "Thu, 01 Jan 2026 00:00:00 +0000": a day name, two-digit day, four-digit year, a zone that
# is a signed offset or GMT/UT/Z (the names feedparser reads as no offset).
_RFC822 = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z][a-z]) (\d{4}) "
    r"(\d\d):(\d\d):(\d\d) (?:([+-])(\d\d)(\d\d)|GMT|UT|Z)"
)
# "2026-01-01T00:00:00+00:00", fractions of a second dropped as feedparser drops them.
_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|([+-])(\d\d):(\d\d))"
)
_NO_OFFSET = ("00", "00")


def feed_time(*values: str | None) -> datetime | None:
    """The first of `values` feedparser reads as a date, as `feeditems.timestamp` gives it.

    As feedparser's published-else-updated: a value it reads ends the search even where the
    time is not one a datetime can hold (then None).
    """
    for value in values:
        if not value:
            continue
        fast = _read(value)
        if fast is not None:
            return fast
        parsed = _parse_date(value)
        if parsed:
            return timestamp(parsed)
    return None


def _read(value: str) -> datetime | None:
    """`value` read in one of the two usual shapes; None where feedparser has to read it."""
    if match := _RFC822.fullmatch(value):
        day, month_name, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
        month = _MONTHS.get(month_name, 0)
    elif match := _RFC3339.fullmatch(value):
        year, month_number, day, hour, minute, second, sign, zone_h, zone_m = match.groups()
        month = int(month_number)
    else:
        return None
    try:
        stamp = datetime(
            int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
        if sign and (zone_h, zone_m) != _NO_OFFSET:
            offset = timedelta(hours=int(zone_h), minutes=int(zone_m))
            stamp = stamp + offset if sign == "-" else stamp - offset
    except (ValueError, OverflowError):  # a month, day or hour out of range; past year 9999
        return None
    return stamp
