"""Key stability: portal items grouped by story, entity identity from their links."""

from __future__ import annotations

from evaluation.storykeys import (
    LinkedItem,
    _items_of,
    key_stability,
    names,
    plain_with_links,
    story_part,
)
from shared.ids import entity_key
from shared.schemas import EnrichedArticle, Entity, Mention
from tests.unit.test_enrich_language import _article

W = "https://en.wikipedia.org/wiki/"
PAGE = f"""#### Politics and elections

* [Greyport crisis]({W}Greyport_crisis "Greyport crisis")
  * [Mark Carney]({W}Mark_Carney "Mark Carney") meets the mayor of [Greyport]({W}Greyport) \
on *Monday*. [(Example Wire)](https://example.com/a)
  * [Carney]({W}Mark_Carney) says the [harbour]({W}Harbour) will reopen next week in Greyport.
* An item filed under no story at all is left out of the measure.
"""


def test_items_take_their_story_and_their_links() -> None:
    first, second = _items_of(PAGE.splitlines())
    assert (first.story, second.story) == ("Greyport crisis", "Greyport crisis")
    assert first.text == "Mark Carney meets the mayor of Greyport on Monday."
    assert [(first.text[s:e], t) for s, e, t in first.links] == [
        ("Mark Carney", "Mark Carney"),
        ("Greyport", "Greyport"),
    ]
    assert plain_with_links(f"[Carney]({W}Mark_Carney) said")[1] == ((0, 6, "Mark Carney"),)


def test_a_link_names_its_target_only_by_its_title_or_part_of_it() -> None:
    assert names("Carney", "Mark Carney")
    assert names("Mark Carney", "Mark Carney")
    assert names("Kursk", "Kursk (city)")
    assert names("Bari", "Bari, Somalia")
    assert not names("Israeli", "Israeli Air Force")  # a nationality word
    assert not names("harbour", "Harbour")  # a common noun


def _entity(text: str, start: int, end: int, key: str) -> Entity:
    """An entity named once in `text[start:end]`, typed by its key."""
    label, _, _ = key.partition(":")
    return Entity(
        text=text[start:end],
        key=key,
        label=label,
        count=1,
        forms=(text[start:end],),
        salience=1.0,
        mentions=(Mention(field="text", start=start, end=end),),
    )


def _enriched(item: LinkedItem, key: str) -> EnrichedArticle:
    start, end, _ = item.links[0]
    return EnrichedArticle(
        **_article("x", item.text).model_dump(),
        language="en",
        entities=(_entity(item.text, start, end, key),),
        topics=(),
        keyphrases=(),
        model={"name": "m", "version": "1"},
        enriched_at="2026-03-01T00:00:00Z",
    )


def test_stability_is_one_key_per_story_entity_across_items() -> None:
    items = list(_items_of(PAGE.splitlines()))
    same = key_stability(
        items, lambda xs: [_enriched(x, entity_key("PERSON", "Mark Carney")) for x in xs]
    )
    assert same["all"].figures()["key stability"] == 1.0
    flipped = key_stability(
        items,
        lambda xs: [_enriched(xs[0], "PERSON:mark-carney"), _enriched(xs[1], "GPE:carney")],
    )["all"]
    assert (flipped.found_twice, flipped.stable) == (1, 0)
    assert flipped.splits == ["Greyport crisis / Mark Carney: GPE:carney, PERSON:mark-carney"]


def test_each_story_counts_in_its_half_and_in_all() -> None:
    items = list(_items_of(PAGE.splitlines()))
    parts = key_stability(items, lambda xs: [_enriched(x, "PERSON:mark-carney") for x in xs])
    half = story_part("Greyport crisis")
    assert parts[half].found_twice == parts["all"].found_twice == 1
    other = "held-out" if half == "tune" else "tune"
    assert parts[other].pairs == 0
    assert {story_part(f"story {n}") for n in range(20)} == {"tune", "held-out"}


def test_a_span_over_another_linked_name_is_a_bigger_thing_not_the_link() -> None:
    text = "The United States Supreme Court rules. The United States objects."
    court = (4, 31)
    links = ((4, 17, "United States"), (18, 31, "Supreme Court"), (43, 56, "United States"))
    item = LinkedItem("Court case", text, links)
    entities = (
        _entity(text, *court, "ORG:united-states-supreme-court"),
        _entity(text, 43, 56, "GPE:united-states"),
    )
    article = _enriched(item, "GPE:united-states").model_copy(update={"entities": entities})
    second = LinkedItem(
        "Court case", "The United States objects again.", ((4, 17, "United States"),)
    )
    parts = key_stability(
        [item, second], lambda xs: [article, _enriched(second, "GPE:united-states")]
    )
    # The first item's court is not a reading of the United States; its later mention is.
    assert (parts["all"].found_twice, parts["all"].stable) == (1, 1)
