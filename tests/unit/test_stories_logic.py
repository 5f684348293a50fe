"""Near-duplicates, online clustering and the clustering metrics, on hand-made input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.stories import GoldAssisted, RecentCopyIndex, bcubed, pairwise
from services.enrich.copies import MemoryCopyIndex
from services.enrich.minhash import Signature, signature
from services.stories.clustering import (
    Story,
    StoryClusterer,
    StoryFeatures,
    _unit,
    entity_vector,
    story_id_for,
    term_vector,
)
from services.stories.desk import MemoryStoryState, StoryDesk
from shared.schemas import EnrichedArticle
from tests.helpers import enriched_article

BASE = (
    "The city council of Greyport voted on Tuesday to repair the old harbour bridge, which "
    "was closed last winter after engineers found cracks in two of its steel supports. The "
    "works will cost about twelve million and take two years, the council said, and ferries "
    "will run more often while the bridge is shut."
)
REWRITE = (
    "Greyport's bridge over the harbour will be mended: councillors approved the repairs in a "
    "vote this week. Inspectors shut the crossing in the cold season when they discovered "
    "damage to supporting girders. Extra ferry services are planned during the closure."
)

# Rewrites share few words in their bodies; their headlines name the event alike.
BASE_TITLE = "Greyport council votes to repair harbour bridge"
REWRITE_TITLE = "Greyport council approves repair of harbour bridge"


def _zipf(word: str) -> float:
    return {"the": 7.5, "will": 6.5, "and": 7.4, "council": 4.5, "bridge": 4.6}.get(word, 3.0)


def _signature(text: str) -> Signature:
    found = signature(text)
    assert found is not None
    return found


def test_a_copy_with_light_edits_is_near_identical_and_a_rewrite_is_not() -> None:
    original = _signature(BASE)
    edited = _signature(BASE + "\n\nThe mayor welcomed the decision.")
    assert original.similarity(_signature(BASE)) == 1.0
    assert original.similarity(edited) >= 0.8
    assert set(original.bands()) & set(edited.bands())
    assert original.similarity(_signature(REWRITE)) < 0.3
    assert Signature.from_hex(original.hex()) == original
    assert signature("Read more on our site.") is None  # too short to tell a copy by


async def test_a_copy_of_a_copy_points_at_the_earliest_article() -> None:
    index = MemoryCopyIndex()
    assert await index.check("a1", _signature(BASE)) is None
    first = await index.check("a2", _signature(BASE))
    assert first is not None
    assert (first.original_id, first.similarity) == ("a1", 1.0)
    again = await index.check("a3", _signature(BASE + " Shares rose."))
    assert again is not None
    assert again.original_id == "a1"
    assert await index.check("a1", _signature(BASE)) is None  # asked again: the same answer
    assert await index.check("r1", _signature(REWRITE)) is None


def _features(
    article_id: str,
    text: str,
    at: datetime,
    entities: dict[str, float],
    title: str | None = None,
) -> StoryFeatures:
    return StoryFeatures(
        article_id=article_id,
        at=at,
        source=f"outlet-{article_id}",
        title=title,
        terms=term_vector(title, text, _zipf),
        entities=entity_vector(entities.items()),
    )


def test_rewrites_join_one_story_and_other_events_or_times_do_not() -> None:
    now = datetime(2031, 3, 4, tzinfo=UTC)
    people = {"GPE:greyport": 0.6, "ORG:greyport-council": 0.4}
    clusterer = StoryClusterer()
    first = clusterer.assign(_features("a1", BASE, now, people, BASE_TITLE))
    second = clusterer.assign(
        _features("a2", REWRITE, now + timedelta(hours=5), people, REWRITE_TITLE)
    )
    other = clusterer.assign(
        _features("b1", "A storm flooded farms in Lindora overnight.", now, {"GPE:lindora": 1.0})
    )
    story = clusterer.stories[first.story_id]
    assert story.members == ["a1", "a2"]
    assert story.sources == ["outlet-a1", "outlet-a2"]
    late = clusterer.assign(_features("a9", BASE, now + timedelta(days=9), people))
    assert first.created
    assert first.story_id == story_id_for("a1")
    assert (second.story_id, second.created) == (first.story_id, False)
    assert other.story_id != first.story_id
    assert late.story_id not in {first.story_id, other.story_id}  # outside the window
    assert not clusterer.holds(first.story_id)  # out of reach: no longer in memory


def test_bcubed_and_pairwise_on_a_worked_example() -> None:
    gold = {"a": "x", "b": "x", "c": "y", "d": "y"}
    predicted = {"a": "1", "b": "1", "c": "1", "d": "2"}
    # B-cubed precision: a, b: 2/3; c: 1/3; d: 1 -> 8/12; recall: a, b: 1; c, d: 1/2 -> 3/4.
    assert bcubed(predicted, gold) == (0.667, 0.75, 0.706)
    # Pairs predicted together: ab, ac, bc; gold: ab, cd -> precision 1/3, recall 1/2.
    assert pairwise(predicted, gold) == (0.333, 0.5, 0.4)


@given(st.dictionaries(st.text(min_size=1, max_size=3), st.sampled_from("abc"), min_size=1))
def test_a_clustering_scored_against_itself_is_perfect(labels: dict[str, str]) -> None:
    assert bcubed(labels, labels) == (1.0, 1.0, 1.0)
    assert pairwise(labels, labels)[2] == 1.0


_WORDS = st.lists(st.sampled_from(["bridge", "vote", "the", "Greyport", "ferry", "é"]))


@given(_WORDS, _WORDS, st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(a: list[str], b: list[str], noise: str) -> None:
    left, right = signature(" ".join(a) + noise), signature(" ".join(b))
    if left is None or right is None:  # too short to tell a copy by: no signature at all
        assert min(len(a), len(b)) < 25
        return
    assert left.similarity(right) == right.similarity(left)
    assert 0.0 <= left.similarity(right) <= 1.0


_ARTICLES = st.lists(
    st.tuples(
        st.lists(st.sampled_from(BASE.split()[:24]), min_size=1, max_size=12),
        st.sets(st.sampled_from(["GPE:greyport", "ORG:council", "PERSON:mara-oakes"])),
        st.integers(min_value=0, max_value=120),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(_ARTICLES, st.sampled_from([0.05, 0.2]), st.sampled_from([0.1, 0.5]))
def test_scores_from_kept_unit_vectors_equal_scores_computed_afresh(
    articles: list[tuple[list[str], set[str], int]], threshold: float, merge_threshold: float
) -> None:
    # A story keeps its vectors normalised until it changes, and an article is weighed once:
    # every score, along a stream with joins, merges and forgetting, is the one computed from
    # scratch, to the last bit, so no decision changes.
    now = datetime(2031, 3, 4, tzinfo=UTC)
    clusterer = StoryClusterer(threshold=threshold, merge_threshold=merge_threshold)
    for n, (words, keys, hours) in enumerate(articles):
        features = _features(
            f"a{n}", " ".join(words), now + timedelta(hours=hours), dict.fromkeys(keys, 0.5)
        )
        terms, entities = clusterer._weighed(features)
        probe = (_unit(terms), _unit(entities))
        afresh = {}
        for story_id in clusterer.scores(features):
            story = clusterer.stories[story_id]
            pairs = [(story.terms, story.entities), *story.recent]
            afresh[story_id] = max(
                clusterer._combined(probe, (_unit(t), _unit(e))) for t, e in pairs
            )
        assert clusterer.scores(features) == afresh
        assert dict(clusterer.assign(features).candidates) == afresh


def test_an_article_bridging_two_close_stories_merges_the_younger_into_the_older() -> None:
    now = datetime(2031, 3, 4, tzinfo=UTC)
    people = {"GPE:greyport": 1.0}
    # A threshold so high that the rewrite starts its own story; merging needs less.
    clusterer = StoryClusterer(threshold=0.95, merge_threshold=0.2)
    first = clusterer.assign(_features("a1", BASE, now, people))
    second = clusterer.assign(_features("a2", REWRITE, now + timedelta(hours=1), people))
    assert second.created
    clusterer._threshold = 0.2  # now an article close to both joins and bridges them
    bridge = clusterer.assign(
        _features("a3", BASE + " " + REWRITE, now + timedelta(hours=2), people)
    )
    assert bridge.story_id == first.story_id  # the older story remains, under its own id
    assert bridge.merged == (second.story_id,)
    story = clusterer.stories[first.story_id]
    assert sorted(story.members) == ["a1", "a2", "a3"]
    assert story.member_count == 3
    assert not clusterer.holds(second.story_id)


def test_a_shared_entity_without_shared_words_never_makes_a_join() -> None:
    now = datetime(2031, 3, 4, tzinfo=UTC)
    country = {"GPE:the-united-states": 1.0}
    clusterer = StoryClusterer()
    first = clusterer.assign(_features("a1", BASE, now, country))
    wedding = clusterer.assign(
        _features("b1", "A singer married an actor in a chapel in Vegas.", now, country)
    )
    assert wedding.created
    assert dict(wedding.candidates) == {first.story_id: 0.0}  # compared, and no text in common


def test_a_key_most_stories_hold_weighs_less_than_one_few_hold() -> None:
    now = datetime(2031, 3, 4, tzinfo=UTC)
    clusterer = StoryClusterer()
    events = (
        "Ferry fares to Lindora rise sharply",
        "Tarrow ferry captain honoured",
        "Oakmere orchestra plays on a ferry",
        "Brisk winds cancel the island ferry",
        "Fenley ferry terminal reopens after repairs",
    )
    for n, headline in enumerate(events * 6):  # each its own story, all of them "ferry"
        clusterer.assign(_features(f"s{n}", headline, now + timedelta(days=n), {}))
    probe = _features("p1", "Greyport ferry", now + timedelta(days=30), {})
    # "ferry" is in every story in memory, "greyport" in none: the specific word leads.
    weighed, _ = clusterer._weighed(probe)
    assert weighed["greyport"] > 2 * weighed["ferry"]


def test_a_story_is_compared_with_its_latest_members_too() -> None:
    now = datetime(2031, 3, 4, tzinfo=UTC)
    clusterer = StoryClusterer(threshold=0.5)
    first = clusterer.assign(_features("a1", BASE, now, {}))
    follow_up = "Divers inspected the harbour bridge supports again and found new cracks."
    clusterer.join(first.story_id, _features("a2", follow_up, now, {}))
    story = clusterer.stories[first.story_id]
    assert [sorted(t) for t, _ in story.recent][-1] == sorted(term_vector(None, follow_up, _zipf))
    later = clusterer.assign(_features("a3", follow_up + " Divers will return.", now, {}))
    assert later.story_id == first.story_id
    assert later.similarity > clusterer._centroid_similarity(
        term_vector(None, follow_up + " Divers will return.", _zipf), {}, story
    )


def test_gold_assisted_runs_remove_only_wrong_joins_or_only_splits() -> None:
    now = datetime(2031, 3, 4, tzinfo=UTC)
    # A look-alike: the same kind of event elsewhere, told in the same words.
    twin = BASE.replace("Greyport", "Tarrow")
    aside = "Ferries ran all night while traffic waited on the coast road."
    arrivals = [("a1", "A", BASE), ("b1", "B", twin), ("a2", "A", aside), ("a1-again", "A", BASE)]
    runs = {
        "plain": GoldAssisted(StoryClusterer()),
        "veto": GoldAssisted(StoryClusterer(), veto=True),
        "rescue": GoldAssisted(StoryClusterer(), rescue=True),
    }
    for run in runs.values():
        for item, truth, text in arrivals:
            run.observe(item, truth, _features(item.removesuffix("-again"), text, now, {}))
    plain, veto, rescue = (runs[n].placed for n in ("plain", "veto", "rescue"))
    assert plain["b1"] == plain["a1"] != plain["a2"]  # the twin joins, the aside splits
    assert len({veto["a1"], veto["b1"], veto["a2"]}) == 3  # no wrong join; the split stays
    assert rescue["b1"] == rescue["a1"] == rescue["a2"]  # no split; the wrong join stays
    assert all(p["a1-again"] == p["a1"] for p in (plain, veto, rescue))  # placed before


class _FailingOnce(MemoryStoryState):
    """Memory state whose first save fails, as Redis would when it is down."""

    failed = False

    async def save(
        self, stories: Sequence[Story], assigned: Mapping[str, str], merged: Mapping[str, str]
    ) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("Redis is down")
        await super().save(stories, assigned, merged)


async def test_a_batch_that_could_not_be_saved_is_placed_anew_not_twice() -> None:
    articles = [enriched_article(f"g{n}", title="Greyport bridge", text=BASE) for n in range(3)]
    desk = StoryDesk(_FailingOnce(), _zipf)
    with pytest.raises(ConnectionError):
        await desk.place(articles)
    placed = await desk.place(articles)  # the redelivery
    (story_id,) = {p.article.story_id for p in placed}
    assert story_id is not None
    story = desk.clusterer.stories[story_id]
    assert story.member_count == 3  # not 6: the unsaved first attempt left no trace
    assert [p.events[0].kind for p in placed] == ["created", "updated", "updated"]


def _bridge_article(article_id: str, at: datetime) -> EnrichedArticle:
    return enriched_article(article_id, title="Greyport bridge", text=BASE, published_at=at)


async def test_a_redelivered_article_whose_story_left_memory_gets_its_snapshot_again() -> None:
    now = datetime(2026, 3, 4, tzinfo=UTC)
    desk = StoryDesk(MemoryStoryState(), _zipf)
    (first,) = await desk.place([_bridge_article("old", now)])
    await desk.place([_bridge_article("later", now + timedelta(days=20))])
    story_id = first.article.story_id
    assert story_id is not None
    assert not desk.clusterer.holds(story_id)  # out of every window: memory let it go
    (again,) = await desk.place([_bridge_article("old", now)])  # redelivered
    (event,) = again.events
    assert (event.story_id, event.kind, event.version) == (story_id, "updated", 1)
    assert again.article.story_id == story_id


@pytest.mark.parametrize(
    "published",
    [datetime(9999, 12, 31, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC), datetime(1989, 12, 31)],
)
async def test_an_unbelievable_date_is_kept_but_the_ingest_time_places_it(
    published: datetime,
) -> None:
    ingested = datetime.now(UTC)
    desk = StoryDesk(MemoryStoryState(), _zipf)
    articles = [
        enriched_article(f"g{n}", title="Greyport bridge", text=BASE, ingested_at=ingested)
        for n in range(3)
    ]
    odd = articles[1].model_copy(update={"published_at": published})
    placed = await desk.place([articles[0], odd, articles[2]])
    assert [p.error for p in placed] == [None, None, None]  # one date spoils nothing
    assert placed[1].article.published_at == published  # the event keeps what the feed said
    (story_id,) = {p.article.story_id for p in placed}
    assert story_id is not None
    story = desk.clusterer.stories[story_id]
    assert story.member_count == 3
    assert story.first_seen == story.last_seen == ingested
    later = enriched_article("g9", title="Greyport bridge", text=BASE, ingested_at=ingested)
    assert (await desk.place([later]))[0].article.story_id == story_id  # memory not emptied


async def test_an_article_that_cannot_be_read_fails_alone() -> None:
    def zipf(word: str) -> float:
        if word == "poisoned":
            raise ValueError("no frequency for this word")
        return _zipf(word)

    desk = StoryDesk(MemoryStoryState(), zipf)
    articles = [
        enriched_article("g1", title="Greyport bridge", text=BASE),
        enriched_article("bad", title="poisoned", text=BASE),
        enriched_article("g2", title="Greyport bridge", text=BASE),
    ]
    placed = await desk.place(articles)
    assert [p.error for p in placed] == [None, "ValueError: no frequency for this word", None]
    assert placed[1].events == ()
    assert placed[1].article.story_id is None
    assert placed[0].article.story_id == placed[2].article.story_id is not None


async def test_a_memory_state_with_keep_lets_old_stories_go() -> None:
    t0 = datetime(2031, 3, 4, tzinfo=UTC)
    state = MemoryStoryState(keep=timedelta(days=6))
    await state.save([Story("old", None, t0, t0)], {"a1": "old"}, {})
    later = t0 + timedelta(days=7)
    await state.save([Story("new", None, later, later)], {"a2": "new"}, {})
    assert list(state.stories) == ["new"]
    assert await state.stories_of(["a1", "a2"]) == {"a1": "old", "a2": "new"}  # ids kept


async def test_the_harness_copy_index_lends_its_latest_articles_only() -> None:
    index = RecentCopyIndex(keep=2)
    for name in ("a1", "a2", "a3"):
        await index.remember(enriched_article(name))
    assert await index.enrichment_of("a1") is None
    assert [(await index.enrichment_of(n)) is not None for n in ("a2", "a3")] == [True, True]
