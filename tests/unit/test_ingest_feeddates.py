from __future__ import annotations

import pytest
from feedparser.datetimes import _parse_date
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ingest.feeddates import parse_date

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


@settings(max_examples=500)
@given(st.one_of(_RFC822, _RFC3339))
def test_dates_read_as_feedparser_reads_them(value: str) -> None:
    assert parse_date(value) == _parse_date(value)


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
    assert parse_date(value) == _parse_date(value)
