from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.ingest.entry import SourceEntry
from services.ingest.normalise import RejectedEntry, clean_text, normalise
from services.ingest.plaintext import find_outlet, parse_plain_text
from shared.schemas import SourceRef
from tests.conftest import SEEDS

FILE = SourceRef(kind="file", name="t.txt")


def _seed(name: str) -> str:
    return clean_text((SEEDS / name).read_text(encoding="utf-8"))


def test_seed_without_headline_gets_no_invented_title() -> None:
    parsed = parse_plain_text(_seed("000_d6a0813b15848c13.txt"))
    assert parsed.title is None
    assert parsed.outlet == "Washington Insider Magazine"
    assert parsed.body.startswith("USA (Washington Insider Magazine)— NATO Secretary-General")


def test_seed_headlines_come_from_the_first_line() -> None:
    second = parse_plain_text(_seed("002_9770afbb439de85d.txt"))
    third = parse_plain_text(_seed("003_b2b1ecc3a17d3348.txt"))
    assert second.title == (
        "NATO Chief: West Should ‘Impose a Cost’ on China for Supporting Russia"
    )
    assert second.outlet is None  # the text names no outlet of its own
    assert second.body.startswith("Jens Stoltenberg, secretary-general")
    assert third.title == (
        "NATO Chief: West Should 'Impose A Cost' On China For Its Support Of Russia"
    )
    assert third.outlet == "RFE/RL"


@pytest.mark.parametrize(
    ("text", "outlet"),
    [
        ("PARIS (AFP) - The minister said.", "AFP"),
        ("WASHINGTON -- NATO said.", None),
        ("Body.\n\nSubscribe to The Daily Planet's morning briefing", "The Daily Planet"),
        ("Nobody is named here.", None),
    ],
)
def test_outlet_only_from_what_the_text_says(text: str, outlet: str | None) -> None:
    assert find_outlet(text) == outlet


def test_a_finished_sentence_is_not_a_headline() -> None:
    parsed = parse_plain_text("This is a sentence.\n\nAnd another one.")
    assert parsed.title is None


def test_clean_text_normalises_whitespace_and_controls() -> None:
    assert clean_text("a\r\nb\rc\x00d  \n\n\n\ne\u0301") == "a\nb\ncd\n\né"


@given(st.text())
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


# A word and the characters line ends are made of, in ASCII-only text and in any text.
_LAYOUT = st.text(alphabet="a \t\n\r\x0b") | st.text(alphabet="a \t\n\r\x0bé\x85\xa0\u3000")


@given(_LAYOUT)
def test_clean_text_leaves_no_line_ending_in_whitespace(text: str) -> None:
    cleaned = clean_text(text)
    assert all(line == line.rstrip() for line in cleaned.split("\n"))
    assert "\n\n\n" not in cleaned
    assert cleaned == cleaned.strip()


def _entry(**overrides: object) -> SourceEntry:
    fields: dict[str, object] = {"source": FILE, "where": "t.txt", "text": "Some text."}
    fields.update(overrides)
    return SourceEntry(**fields)  # type: ignore[arg-type]


def test_normalise_builds_a_stable_event() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = normalise(_entry(title=" A  title "), max_text_bytes=1000, now=now)
    again = normalise(_entry(title="A title"), max_text_bytes=1000, now=datetime.now(UTC))
    assert first.id == again.id
    assert first.title == "A title"
    assert first.schema_version == 1
    assert first.url is None


def test_normalise_canonicalises_the_url() -> None:
    article = normalise(_entry(url="HTTPS://News.Example/a?utm_source=x#frag"), max_text_bytes=99)
    assert article.url == "https://news.example/a"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (_entry(text="  \n "), "no text"),
        (_entry(text="x" * 2000), "over the 1000-byte limit"),
        (_entry(url="javascript:alert(1)"), "not an absolute http"),
    ],
)
def test_normalise_refuses_with_a_reason(entry: SourceEntry, reason: str) -> None:
    with pytest.raises(RejectedEntry, match=reason):
        normalise(entry, max_text_bytes=1000)
