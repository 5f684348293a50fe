from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import pytest

from services.enrich.countries import CountryAliases, CountryRecord, load_country_aliases
from services.enrich.entities import RawMention, clean_mention, resolve_entities
from shared.ids import entity_key
from shared.schemas import Entity


@cache
def _countries() -> CountryAliases:
    return load_country_aliases()


def _resolve(mentions: list[RawMention], body: str = "", lead_end: int = 0) -> dict[str, Entity]:
    entities = resolve_entities(mentions, countries=_countries(), body=body, lead_end=lead_end)
    return {e.text: e for e in entities}


def _m(text: str, label: str, start: int, field: str = "text") -> RawMention:
    return RawMention(text, label, field, start, start + len(text))  # type: ignore[arg-type]


def test_surnames_merge_into_the_one_full_name_whatever_their_label() -> None:
    entities = resolve_entities(
        [
            _m("Jens Stoltenberg", "PERSON", 0),
            _m("Stoltenberg", "GPE", 50),
            _m("Stoltenberg’s", "ORG", 90),
            _m("Xi Jinping", "PERSON", 120),
            _m("Xi", "PERSON", 160),
        ],
        countries=_countries(),
        body="",
        lead_end=0,
    )
    by_name = {e.text: e for e in entities}
    assert set(by_name) == {"Jens Stoltenberg", "Xi Jinping"}
    jens = by_name["Jens Stoltenberg"]
    assert (jens.label, jens.count, jens.key) == ("PERSON", 3, "PERSON:jens-stoltenberg")
    assert jens.forms == ("Jens Stoltenberg", "Stoltenberg")
    assert [m.end - m.start for m in jens.mentions] == [16, 11, 11]  # possessive cut off
    assert by_name["Xi Jinping"].count == 2


def test_a_surname_shared_by_two_people_stays_apart() -> None:
    names = _resolve(
        [_m("Joe Biden", "PERSON", 0), _m("Jill Biden", "PERSON", 20), _m("Biden", "PERSON", 40)]
    )
    assert set(names) == {"Joe Biden", "Jill Biden", "Biden"}


def test_countries_fold_names_codes_and_adjectives() -> None:
    names = _resolve(
        [
            _m("the United States", "GPE", 0),
            _m("U.S.", "GPE", 30),
            _m("American", "NORP", 50),
            _m("Russia’s", "GPE", 70),
            _m("Russian", "NORP", 90),
            _m("Russian Federation", "GPE", 110),
        ]
    )
    assert set(names) == {"United States", "Russia"}
    us = names["United States"]
    assert us.forms == ("United States", "U.S.", "American")
    assert us.key == "GPE:united-states"
    assert us.mentions[0].start == 4
    assert names["Russia"].count == 3


def test_short_country_codes_count_only_as_places() -> None:
    assert "United States" not in _resolve([_m("US", "ORG", 0)])
    assert "United States" in _resolve([_m("US", "GPE", 0)])


def test_the_organisation_absorbs_its_acronym_and_names_the_key() -> None:
    # An acronym stands for many things (ICC: the court, the cricket council); the full name
    # written beside it says which, so the key is the full name's in every article.
    for order in ((0, 40, 60), (40, 0, 20)):
        full, short, possessive = order
        names = _resolve(
            sorted(
                [
                    _m("International Criminal Court", "ORG", full),
                    _m("ICC", "ORG", short),
                    _m("ICC’s", "ORG", possessive),
                ],
                key=lambda m: m.start,
            )
        )
        assert set(names) == {"International Criminal Court"}
        court = names["International Criminal Court"]
        assert (court.key, court.count) == ("ORG:international-criminal-court", 3)
        assert set(court.forms) == {"International Criminal Court", "ICC"}


def test_shouted_forms_give_way_to_ordinary_case() -> None:
    names = _resolve([_m("WASHINGTON", "GPE", 0), _m("Washington", "GPE", 40)])
    assert set(names) == {"Washington"}


def test_capitalised_headline_words_the_body_uses_in_lower_case_are_dropped() -> None:
    body = "China was accused of supporting Russia. The West reacted."
    names = _resolve(
        [_m("Supporting", "GPE", 10, "title"), _m("West", "LOC", 0, "title")], body=body
    )
    assert set(names) == {"West"}


def test_everyday_headline_words_are_dropped_but_acronyms_and_rare_names_stay() -> None:
    common = {"coastal", "nato", "turnout"}.__contains__
    entities = resolve_entities(
        [
            _m("Coastal", "ORG", 0, "title"),
            _m("NATO", "ORG", 8, "title"),
            _m("Ellery", "GPE", 20, "title"),
        ],
        countries=_countries(),
        body="Nothing here repeats them.",
        lead_end=0,
        common=common,
    )
    assert {e.text for e in entities} == {"NATO", "Ellery"}


def test_qualified_places_absorb_their_short_name_and_demonym_plurals_fold() -> None:
    names = _resolve(
        [
            _m("Washington, DC", "GPE", 0),
            _m("Washington", "GPE", 40),
            _m("Ukrainians", "NORP", 60),
            _m("Ukraine", "GPE", 80),
        ]
    )
    assert set(names) == {"Washington, DC", "Ukraine"}
    assert names["Washington, DC"].forms == ("Washington, DC", "Washington")
    assert names["Ukraine"].count == 2


def test_salience_weighs_title_and_lead() -> None:
    entities = resolve_entities(
        [_m("NATO", "ORG", 0, "title"), _m("Kremlin", "ORG", 5), _m("Ukraine", "GPE", 500)],
        countries=_countries(),
        body="",
        lead_end=100,
    )
    assert [(e.text, e.salience) for e in entities] == [
        ("NATO", 0.5),
        ("Kremlin", round(2 / 6, 4)),
        ("Ukraine", round(1 / 6, 4)),
    ]


@pytest.mark.parametrize(
    ("text", "sentence_start", "expected"),
    [
        ("Putin’s", False, "Putin"),
        ("Allies’", False, "Allies"),
        ("coast guard", False, None),
        ("Green Renewal party", False, "Green Renewal"),
        ("post-World War II", False, "World War II"),
        ("Non-NATO", False, "NATO"),
        ("the Kremlin", False, "Kremlin"),
        ("The Telegraph", False, "The Telegraph"),
        ("The Kremlin", True, "Kremlin"),
        ("’s", False, None),
    ],
)
def test_clean_mention(text: str, sentence_start: bool, expected: str | None) -> None:
    cleaned = clean_mention(RawMention(text, "ORG", "text", 10, 10 + len(text), sentence_start))
    assert (cleaned.text if cleaned else None) == expected
    if cleaned:
        assert cleaned.end - cleaned.start == len(cleaned.text)
        assert text[cleaned.start - 10 : cleaned.end - 10] == cleaned.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Archbishop Henrik Dahlberg", "Henrik Dahlberg"),
        ("President Vladimir Putin", "Vladimir Putin"),
        ("Dr. Ana Lima", "Ana Lima"),
        ("Superintendent Karen Lindqvist", "Karen Lindqvist"),
    ],
)
def test_titles_come_off_person_names(text: str, expected: str) -> None:
    cleaned = clean_mention(RawMention(text, "PERSON", "text", 0, len(text)))
    assert cleaned is not None
    assert cleaned.text == expected
    assert text[cleaned.start : cleaned.end] == expected


def test_larger_countries_own_shared_adjectives() -> None:
    aliases = CountryAliases(
        [
            CountryRecord("Hong Kong", "HKG", 1_104, ("HK",), "Chinese"),
            CountryRecord("China", "CHN", 9_640_011, ("CN",), "Chinese"),
        ]
    )
    found = aliases.lookup("Chinese", "NORP")
    assert found is not None
    assert found.name == "China"


def test_entity_keys_are_ascii_slugs() -> None:
    assert entity_key("PERSON", "Recep Tayyip Erdoğan") == "PERSON:recep-tayyip-erdogan"


@pytest.mark.parametrize(
    ("surface", "label", "expected"),
    [
        ("Miura 's", "PERSON", "Miura"),  # a tokenised possessive, space and all
        ("Miura's", "PERSON", "Miura"),
        ("the  Reds", "ORG", "Reds"),
        ("Paris'", "GPE", "Paris"),
    ],
)
def test_no_mention_starts_or_ends_on_whitespace(surface: str, label: str, expected: str) -> None:
    body = f"Report: {surface} and more"
    cleaned = clean_mention(_m(surface, label, 8))
    assert cleaned is not None
    assert body[cleaned.start : cleaned.end] == expected == cleaned.text


def test_nationality_words_are_norp_mentions_of_their_countrys_entity() -> None:
    names = _resolve(
        [
            _m("France", "GPE", 0),
            _m("French", "NORP", 20),
            _m("the French", "NORP", 40),
            _m("Polish", "NORP", 60),
        ]
    )
    france, poland = names["France"], names["Poland"]
    assert (france.key, france.label, france.forms) == ("GPE:france", "GPE", ("France", "French"))
    assert [m.label for m in france.mentions] == [None, "NORP", "NORP"]
    # A country named only by its people is still that country's entity, under its key.
    assert (poland.key, poland.label, [m.label for m in poland.mentions]) == (
        "GPE:poland",
        "GPE",
        ["NORP"],
    )


def test_a_tied_vote_relabels_no_mention() -> None:
    tied = _resolve([_m("Derbyshire", "PERSON", 0), _m("Derbyshire", "ORG", 30)])["Derbyshire"]
    assert (tied.label, [m.label for m in tied.mentions]) == ("PERSON", [None, "ORG"])
    voted = _resolve(
        [_m("Tavildara", "GPE", 0), _m("Tavildara", "GPE", 30), _m("Tavildara", "PERSON", 60)]
    )["Tavildara"]
    assert (voted.label, [m.label for m in voted.mentions]) == ("GPE", [None, None, None])


def test_a_names_last_word_decides_its_kind_so_its_key_never_flips() -> None:
    # One short text each, the model reading the name differently in each.
    for label in ("PERSON", "ORG", "FAC"):
        (state,) = _resolve([_m("Zamfara Province", label, 0)]).values()
        (army,) = _resolve([_m("Pakistan Army", label if label != "ORG" else "GPE", 0)]).values()
        assert (state.key, army.key) == ("GPE:zamfara-province", "ORG:pakistan-army")
    # After a compass point alone the head names land: the model's reading stands.
    (land,) = _resolve([_m("West Bank", "GPE", 0), _m("West Bank", "GPE", 30)]).values()
    assert land.label == "GPE"


def test_the_key_takes_the_names_own_reading_not_one_texts_vote() -> None:
    def alone(names: Sequence[str]) -> dict[str, str | None]:
        return {name: {"Boko Haram": "ORG"}.get(name) for name in names}

    keys = set()
    for label in ("ORG", "PERSON"):  # two short texts, the model reading the name two ways
        (entity,) = resolve_entities(
            [_m("Boko Haram", label, 0)],
            countries=_countries(),
            body="",
            lead_end=0,
            name_labels=alone,
        )
        assert entity.label == label  # this text's reading stays the entity's label
        keys.add(entity.key)
    assert keys == {"ORG:boko-haram"}


def test_a_dateline_makes_its_name_a_place_but_leaves_the_key_to_the_name() -> None:
    body = "GREYHOLM 2026-03-01\nGreyholm mourned . Greyholm wept .\n"
    mentions = [
        _m("GREYHOLM", "ORG", 0),
        _m("Greyholm", "PERSON", 20),
        _m("Greyholm", "PERSON", 39),
    ]
    (town,) = resolve_entities(
        mentions,
        countries=_countries(),
        body=body,
        lead_end=0,
        name_labels=lambda names: dict.fromkeys(names, "PERSON"),
        dateline=((0, 8),),
    )
    assert town.label == "GPE"
    assert [m.label for m in town.mentions] == [None, None, None]
    # The key follows the name read on its own, so it is the same without a dateline.
    assert town.key == entity_key("PERSON", "Greyholm")


def test_a_dateline_named_after_an_organisation_keeps_its_type() -> None:
    body = "UNITED NATIONS 2026-03-01\nThe United Nations met . United Nations staff left .\n"
    mentions = [
        _m("UNITED NATIONS", "GPE", 0),
        _m("United Nations", "ORG", body.index("United")),
        _m("United Nations", "ORG", body.rindex("United")),
    ]
    entities = resolve_entities(
        mentions, countries=_countries(), body=body, lead_end=0, dateline=((0, 14),)
    )
    assert [(e.label, [m.label for m in e.mentions]) for e in entities] == [
        ("ORG", [None, None, None])
    ]


def test_an_acronym_defined_in_brackets_takes_the_type_of_the_name_it_abbreviates() -> None:
    body = (
        "Trade on the Greyport International Metals and Options Exchange ( GIME ) was thin .\n"
        "GIME said volumes fell . Analysts at GIME agreed .\n"
    )
    long_form = body.index("Greyport")
    mentions = [
        _m("Greyport International Metals", "ORG", long_form),
        _m("GIME", "ORG", body.index("GIME")),
        _m("GIME", "WORK_OF_ART", body.index("GIME said")),
        _m("GIME", "WORK_OF_ART", body.index("GIME agreed")),
    ]
    entities = _resolve(mentions, body)
    assert entities["GIME"].label == "ORG"
    assert [m.label for m in entities["GIME"].mentions] == [None, None, None]


@pytest.mark.parametrize(
    "line",
    [
        # Letters out of the name's order (another language's name); the line above does not
        # lend the first letter.
        "BRAMPORT 2026-03-01\nThe National Bank of Greyland ( BNG ) said .\n",
        # The last word before the bracket does not give the last letter.
        "The Greyport Metals Exchange said on Monday ( GME ) .\n",
    ],
)
def test_brackets_that_do_not_define_an_acronym_change_nothing(line: str) -> None:
    acronym = line[line.index("( ") + 2 : line.index(" )")]
    mentions = [
        _m(line.split(maxsplit=1)[0], "GPE", 0),
        _m(acronym, "WORK_OF_ART", line.index(acronym)),
        _m(acronym, "WORK_OF_ART", len(line) + 1),
    ]
    assert _resolve(mentions, line + acronym)[acronym].label == "WORK_OF_ART"
