from __future__ import annotations

from datetime import datetime

import pytest
from feedparser.datetimes import _parse_date
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.feeddates import feed_time
from services.ingest.feeditems import timestamp

# Fields in and out of range, so the strings reach both the fast reading and its fallback.
_TWO_DIGITS = st.integers(0, 99).map(lambda n: f"{n:02d}")
_YEARS = st.sampled_from(["0000", "0001", "1969", "1999", "2024", "2026", "9999"])
_DAY_NAMES = st.sampled_from(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
_MONTH_NAMES = st.sampled_from(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Foo"]
)
_RFC822_ZONES = st.one_of(
    st.sampled_from(["GMT", "UT", "Z"]),
    st.builds(lambda s, h, m: f"{s}{h}{m}", st.sampled_from("+-"), _TWO_DIGITS, _TWO_DIGITS),
)
_RFC3339_ZONES = st.one_of(
    st.just("Z"),
    st.builds(lambda s, h, m: f"{s}{h}:{m}", st.sampled_from("+-"), _TWO_DIGITS, _TWO_DIGITS),
)
_RFC822 = st.builds(
    "{}, {} {} {} {}:{}:{} {}".format,
    _DAY_NAMES,
    _TWO_DIGITS,
    _MONTH_NAMES,
    _YEARS,
    _TWO_DIGITS,
    _TWO_DIGITS,
    _TWO_DIGITS,
    _RFC822_ZONES,
)
_RFC3339 = st.builds(
    "{}-{}-{}T{}:{}:{}{}{}".format,
    _YEARS,
    _TWO_DIGITS,
    _TWO_DIGITS,
    _TWO_DIGITS,
    _TWO_DIGITS,
    _TWO_DIGITS,
    st.sampled_from(["", ".5", ".123456", ".9999999"]),
    _RFC3339_ZONES,
)


def _feedparsers(*values: str | None) -> datetime | None:
    # What the fast parse path gave before: feedparser's published, else its updated.
    first, second = (_parse_date(value) if value else None for value in values)
    return timestamp(first or second)


@settings(max_examples=500)
@given(st.one_of(_RFC822, _RFC3339))
def test_dates_read_as_feedparser_reads_them(value: str) -> None:
    assert feed_time(value) == _feedparsers(value, None)


@given(st.one_of(_RFC822, _RFC3339, st.none()), st.one_of(_RFC822, _RFC3339, st.none()))
def test_the_first_date_feedparser_reads_counts(published: str | None, updated: str | None) -> None:
    assert feed_time(published, updated) == _feedparsers(published, updated)


@pytest.mark.parametrize(
    "value",
    [
        "Thu, 01 Jan 2026 00:00:00 +0000",
        "Wed, 31 Dec 2025 23:00:00 -0130",
        "Sat, 29 Feb 2025 10:00:00 GMT",  # no such day
        "Mon, 01 Jan 0001 00:30:00 +0100",  # before year 1 in UTC
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T05:30:00.250+05:30",
        "9999-12-31T23:59:59-01:00",  # past year 9999 in UTC
        "2026-01-01",
        "1 Jan 2026",
        "not a date",
    ],
)
def test_shapes_and_edges(value: str) -> None:
    assert feed_time(value) == _feedparsers(value, None)
    assert feed_time("not a date", value) == _feedparsers("not a date", value)
