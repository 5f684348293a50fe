from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.ingest.revisions import Seen, fingerprint, next_record, tell_apart_repeats
from shared.schemas import RawArticle, SourceRef

SOURCE = SourceRef(kind="feed", name="https://news.example.com/rss")


def _article(article_id: str, text: str, url: str | None = None) -> RawArticle:
    return RawArticle(
        id=article_id,
        url=url,
        text=text,
        title="Title",
        ingested_at=datetime(2026, 1, 1, tzinfo=UTC),
        source=SOURCE,
    )


def test_new_changed_and_unchanged_articles() -> None:
    seen = Seen(revision=3, fingerprint="abc", owner="feed-a")
    assert next_record(None, "abc", owner="feed-a") == Seen(1, "abc", "feed-a")
    assert next_record(seen, "abc", owner="feed-a") is None
    assert next_record(seen, "def", owner="feed-a") == Seen(4, "def", "feed-a")
    assert next_record(seen, "abc", owner="feed-a", republish=True) == seen


def test_only_the_feed_that_published_an_article_first_revises_it() -> None:
    seen = Seen(revision=2, fingerprint="abc", owner="feed-a")
    # Another feed listing the same id with other text lists a duplicate, not a revision.
    assert next_record(seen, "def", owner="feed-b") is None
    assert next_record(seen, "abc", owner="feed-b") is None
    # An explicit replay (files, no feed) still revises, and the owner stays.
    assert next_record(seen, "def", owner=None, republish=True) == Seen(3, "def", "feed-a")


def test_a_record_from_before_owners_goes_to_the_first_feed_that_revises_it() -> None:
    legacy = Seen.decode("5:abc")
    assert legacy == Seen(5, "abc", None)
    claimed = next_record(legacy, "def", owner="feed-b")
    assert claimed == Seen(6, "def", "feed-b")
    assert next_record(claimed, "xyz", owner="feed-a") is None


@given(
    st.integers(min_value=1, max_value=10**9),
    st.text(alphabet="0123456789abcdef"),
    st.none() | st.text(alphabet="0123456789abcdef:", min_size=1),
)
def test_seen_round_trips(revision: int, print_: str, owner: str | None) -> None:
    seen = Seen(revision, print_, owner)
    assert Seen.decode(seen.encode()) == seen


def test_fingerprint_ignores_everything_but_title_and_text() -> None:
    one = _article("a", "Body.")
    other = one.model_copy(update={"url": "https://x.example/", "revision": 5})
    assert fingerprint(one) == fingerprint(other)
    assert fingerprint(one) != fingerprint(one.model_copy(update={"text": "Body!"}))


def test_exact_repeats_collapse() -> None:
    one = _article("a", "Same.")
    assert tell_apart_repeats([one, one, _article("b", "Other.")]) == [one, _article("b", "Other.")]


def test_different_entries_sharing_an_id_are_told_apart_by_link() -> None:
    first = _article("g", "First.", url="https://news.example.com/1")
    second = _article("g", "Second.", url="https://news.example.com/2")
    result = tell_apart_repeats([first, second])
    assert len({a.id for a in result}) == 2
    assert "g" not in {a.id for a in result}
    # Stable: the same entries give the same ids in any order, and an edit keeps the id.
    again = tell_apart_repeats([second.model_copy(update={"text": "Edited."}), first])
    assert {a.id for a in again} == {a.id for a in result}


def test_entries_without_distinct_links_are_told_apart_by_content() -> None:
    result = tell_apart_repeats(
        [_article("g", "One."), _article("g", "Two."), _article("g", "One.")]
    )
    assert len(result) == 2
    assert len({a.id for a in result}) == 2
