"""Layout-aware spans: lines, datelines judged line by line, table header rows, figures."""

from __future__ import annotations

from functools import cache

from services.enrich.boilerplate import dateline_places, find_boilerplate
from services.enrich.casing import lower_case_words, model_case_title, soften_shouting
from services.enrich.enricher import Enricher
from services.enrich.entities import clean_mention
from services.enrich.nlp import load_pipeline
from tests.unit.test_enrich_entities import _m
from tests.unit.test_enrich_language import _article


@cache
def _enricher() -> Enricher:
    from shared.settings import Settings

    return Enricher(load_pipeline(Settings().spacy_model))


STANDINGS = (
    "Results of the Greyport hockey league on Sunday :\n"
    "W L T GF GA PTS\n"
    "NY RANGERS 3 PORTLAND 2\n"
    "MELBOURNE 2026-03-01\n"
    "Scoreboard\n"
    "Kristaps Ozolins scored twice for the home side in front of a full house .\n"
)


def test_no_mention_runs_across_a_line_break() -> None:
    (article,) = _enricher().enrich([_article("standings", STANDINGS)])
    for entity in article.entities:
        for mention in entity.mentions:
            assert "\n" not in STANDINGS[mention.start : mention.end], entity
            assert (
                STANDINGS[mention.start : mention.end].strip()
                == (STANDINGS[mention.start : mention.end])
            )


def test_a_table_header_row_is_masked_not_read_as_names() -> None:
    headers = [s for s in find_boilerplate(STANDINGS) if s.kind == "table header"]
    assert [STANDINGS[s.start : s.end] for s in headers] == ["W L T GF GA PTS"]
    (article,) = _enricher().enrich([_article("standings", STANDINGS)])
    assert not {"W L T", "GF", "GA", "PTS"} & {f for e in article.entities for f in e.forms}


def test_datelines_are_judged_line_by_line() -> None:
    report = (
        "Greyport Mills Corp - half-year forecast .\nTOKYO 2026-03-01\n"
        "Sales 9.06 9.31\nCurrent 818 million 979 million\n"
    )
    note = report + "NOTE - Greyport Mills Corp is the full company name .\n"
    # A later line with a dateline's shape neither blanks the lines above it nor moves the place.
    assert find_boilerplate(note) == []
    assert dateline_places(note) == ((report.index("TOKYO"), report.index("TOKYO") + 5),)
    # A shouted headline with a dash is no dateline: nothing after its dash is prose.
    headline = "CRICKET - GREYPORT TAKE OVER AT TOP .\nThe home side won by an innings ."
    assert dateline_places(headline) == ()
    assert find_boilerplate("CRICKET - GREYPORT TAKE OVER .\nPARIS (AFP) - It rained .")[
        0
    ].kind == ("front matter")
    assert soften_shouting("TOKYO 2026-03-01") == "Tokyo 2026-03-01"
    # After a place and a date, the story has begun: a section below it ("GERMANY - …") does
    # not make the headline and the dateline front matter.
    markets = (
        "Late bond prices .\nLONDON 2026-03-01\nThis is how bond markets traded on Friday .\n"
        "GERMANY - Bunds extended losses after higher U.S. data .\n"
    )
    assert find_boilerplate(markets) == []
    assert dateline_places(markets) == ((markets.index("LONDON"), markets.index("LONDON") + 6),)


def test_people_and_places_do_not_end_in_figures() -> None:
    for surface, label, expected in [
        ("MELBOURNE 2026-03-01", "GPE", "MELBOURNE"),
        ("Ajaccio 2", "GPE", "Ajaccio"),
        ("Kristaps Ozolins 12.71", "PERSON", "Kristaps Ozolins"),
        ("Channel 4", "ORG", "Channel 4"),  # organisations may be numbered
    ]:
        cleaned = clean_mention(_m(surface, label, 0))
        assert cleaned is not None
        assert (cleaned.text, cleaned.end) == (expected, len(expected))


def test_title_case_headlines_are_read_so_names_end_where_they_end() -> None:
    assert model_case_title("Justin Bieber Gets Irritated in Deposition") == (
        "Justin Bieber gets Irritated in Deposition"
    )
    body = "Cantor was defeated on Tuesday by an economics professor, Brat."
    assert model_case_title("Eric Cantor Defeated by David Brat", lower_case_words(body)) == (
        "Eric Cantor defeated by David Brat"
    )
    # A sentence-case headline is left as written; so are short words and the first word.
    assert model_case_title("Over 40 hurt as storm hits Greyport") == (
        "Over 40 hurt as storm hits Greyport"
    )
    words = lower_case_words(body + " He retires.")
    assert soften_shouting("NFL PLAYER RETIRES AFTER TITLE", words) == (
        "NFL Player retires after Title"
    )


def test_a_title_case_headline_keeps_the_key_its_body_gives() -> None:
    title = "Kristaps Ozolins Defeated by Jurgis Berzins in Greyport"
    body = "Kristaps Ozolins was defeated on Sunday by Jurgis Berzins, a newcomer."
    (article,) = _enricher().enrich([_article("headline", body, title=title)])
    keys = {e.key for e in article.entities}
    assert {"PERSON:kristaps-ozolins", "PERSON:jurgis-berzins"} <= keys
    assert not any("defeated" in key for key in keys)


def test_a_datelines_place_and_region_are_places_in_its_article() -> None:
    body = (
        "Mourning in a mining town .\nGREYHOLM , Norway 2026-03-01\n"
        "Greyholm is a town in mourning .\nFlags in Greyholm flew at half-mast .\n"
    )
    place, region = body.index("GREYHOLM"), body.index("Norway")
    assert dateline_places(body) == ((place, place + 8), (region, region + 6))
    (article,) = _enricher().enrich([_article("dateline", body)])
    by_text = {e.text: e for e in article.entities}
    # Every mention of the dateline's place is a place, whatever one sentence made of it, and
    # the region is found even where the model reads the line as a date.
    (town,) = [e for e in article.entities if e.text.casefold() == "greyholm"]
    assert town.label == "GPE"
    assert all(m.label is None for m in town.mentions)
    assert len([m for m in town.mentions if m.field == "text"]) == 3
    assert by_text["Norway"].label == "GPE"
