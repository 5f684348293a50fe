"""Key stability: portal items grouped by story, entity identity from their links."""

from __future__ import annotations

from evaluation.storykeys import (
    LinkedItem,
    _items_of,
    key_stability,
    names,
    plain_with_links,
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


def _enriched(item: LinkedItem, key: str) -> EnrichedArticle:
    start, end, _ = item.links[0]
    label, _, _ = key.partition(":")
    entity = Entity(
        text=item.text[start:end],
        key=key,
        label=label,
        count=1,
        forms=(item.text[start:end],),
        salience=1.0,
        mentions=(Mention(field="text", start=start, end=end),),
    )
    return EnrichedArticle(
        **_article("x", item.text).model_dump(),
        language="en",
        entities=(entity,),
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
    assert same.figures()["key stability"] == 1.0
    flipped = key_stability(
        items,
        lambda xs: [_enriched(xs[0], "PERSON:mark-carney"), _enriched(xs[1], "GPE:carney")],
    )
    assert (flipped.found_twice, flipped.stable) == (1, 0)
    assert flipped.splits == ["Greyport crisis / Mark Carney: GPE:carney, PERSON:mark-carney"]
