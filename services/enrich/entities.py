"""From NER mentions to one entity per real-world thing, with a stable key and a salience.

The raw model output splits one entity many ways: "Jens Stoltenberg" (PERSON) and bare
"Stoltenberg" (tagged GPE in one sentence, ORG in another), "Putin’s" with its possessive,
"the United States" and "U.S.". Mentions are cleaned (possessives and leading determiners
off), countries folded through the country table, short forms of a person's name merged into
the full name and acronyms into the organisation they abbreviate; each entity then takes one
type, decided across its mentions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from services.enrich.countries import CountryAliases
from shared.ids import entity_key
from shared.schemas import Entity, Mention

# With the space of a tokenised text ("Miura 's"), which must not end the mention.
_POSSESSIVE = re.compile(r"(?:\s*['’]s|(?<=s)['’])$")
_DETERMINER = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_PLACE_LABELS = frozenset({"GPE", "LOC"})
_PREFIX = re.compile(r"^(?i:post|pre|non|anti|pro|ex)-(?=[A-Z])")
# Titles the model often takes into a person's name ("Archbishop Henrik Dahlberg"); the
# person is the same with or without them, and surnames merge only without.
_HONORIFIC = re.compile(
    r"^(?:(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Capt|Lt|Sgt|Rev|St)\.?|President|Vice|Prime|"
    r"Minister|Secretary|Chancellor|Senator|Governor|Mayor|Judge|Justice|Superintendent|"
    r"Archbishop|Bishop|Cardinal|Pope|Reverend|Rabbi|Imam|Pastor|Father|Sister|Sheikh|King|"
    r"Queen|Prince|Princess|Chief|Commissioner|Director|Professor|Doctor|Coach|Captain|"
    r"General|Colonel|Sergeant|Officer|Detective|Inspector|Ambassador|Spokesman|Spokeswoman)"
    r"\s+(?=[A-Z])"
)
# Proper names are capitalised: lower-case words at the end ("Green Renewal party") are not
# part of the name, and a span with no capital at all ("coast guard") is not a name.
_TRAILING_LOWER = re.compile(r"(?:\s+[a-z][\w-]*)+$")
# People and places are not numbered: trailing figures are a dateline's date or a table's
# score ("MELBOURNE 1996-12-06", "Ajaccio 2"), not the name.
_TRAILING_FIGURES = re.compile(r"(?:\s+[^\sA-Za-z]*\d[^\sA-Za-z]*)+$")
_UNNUMBERED_LABELS = frozenset({"PERSON", "GPE", "LOC", "NORP"})
# A name's last word that says what kind of thing it names, whatever one mention's label
# ("Zamfara State" is no person, "Pakistan Army" no place): the label, and so the key, stays
# the same in every article however the model read the name in one short text.
_PLACE_HEADS = frozenset({"Province", "Oblast", "Governorate", "Krai", "Prefecture", "County"})
_ORG_HEADS = frozenset(
    {
        "Army", "Navy", "Forces", "Party", "Council", "Court", "Ministry", "Bank", "Company",
        "Corporation", "Corp", "Inc", "University", "Agency", "Committee", "Commission",
        "Front", "Movement", "Brigade", "Brigades", "Police", "Parliament", "Assembly",
        "Association", "Federation", "Organization", "Organisation", "Institute", "Club",
    }
)  # fmt: skip
# A head after a compass point alone names land, not an institution: "West Bank", "South Bank".
_COMPASS_POINTS = frozenset({"North", "South", "East", "West", "Left", "Right"})
# An acronym defined in the text: "London International Financial Futures and Options
# Exchange ( LIFFE )". The name it abbreviates ends right before the bracket, within a few
# words more than the acronym has letters (Schwartz and Hearst 2003).
_OPENS_DEFINITION = re.compile(r"\(\s*$")
_CLOSES_DEFINITION = re.compile(r"^\s*\)")
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.&-]*")
_EXTRA_DEFINITION_WORDS = 5
# Salience weights: the headline and the lead say what the article is about.
_TITLE_WEIGHT, _LEAD_WEIGHT, _BODY_WEIGHT = 3.0, 2.0, 1.0


@dataclass(frozen=True, slots=True)
class RawMention:
    """One entity span as the NER model tagged it."""

    text: str
    label: str
    field: Literal["title", "text"]
    start: int
    end: int
    sentence_start: bool = False
    """True when the span opens its sentence (so a capital "The" is only capitalised)."""


@dataclass(frozen=True, slots=True)
class _Clean:
    text: str
    label: str
    field: Literal["title", "text"]
    start: int
    end: int
    own_label: str | None = None
    """The mention's type where it is not its entity's (a nationality word: NORP)."""


def clean_mention(mention: RawMention) -> _Clean | None:
    """The mention without possessive or leading determiner, offsets moved to match."""
    text, start, end = mention.text, mention.start, mention.end
    possessive = _POSSESSIVE.search(text)
    if possessive:
        end -= len(possessive.group(0))
        text = text[: possessive.start()]
    prefix = _PREFIX.match(text)
    # "post-World War II", "non-NATO", "pro-Russian": the name is what follows the prefix.
    if prefix:
        start += prefix.end()
        text = text[prefix.end() :]
    determiner = _DETERMINER.match(text)
    # A capitalised "The" mid-sentence is part of a name ("The Telegraph").
    if determiner and (determiner.group(0)[0].islower() or mention.sentence_start):
        start += determiner.end()
        text = text[determiner.end() :]
    while mention.label == "PERSON" and (honorific := _HONORIFIC.match(text)):
        start += honorific.end()
        text = text[honorific.end() :]
    figures = _TRAILING_FIGURES.search(text) if mention.label in _UNNUMBERED_LABELS else None
    if figures and figures.start() > 0:
        end -= len(text) - figures.start()
        text = text[: figures.start()]
    trailing = _TRAILING_LOWER.search(text)
    if trailing and trailing.start() > 0:
        end -= len(text) - trailing.start()
        text = text[: trailing.start()]
    # Offsets follow the text: no mention starts or ends on whitespace.
    start += len(text) - len(text.lstrip())
    end -= len(text) - len(text.rstrip())
    text = text.strip()
    if not any(ch.isupper() for ch in text):
        return None
    return _Clean(text, mention.label, mention.field, start, end)


@dataclass
class _Group:
    name: str
    mentions: list[_Clean] = field(default_factory=list)
    fixed_label: str | None = None
    """Set when the label is known, not voted (countries)."""
    fixed_name: bool = False
    """Set when the name is decided (a country's, an acronym, a person's full name)."""
    context_label: str | None = None
    """Set when the article says what the name is (its dateline's place, an acronym defined
    after the name it abbreviates): this article's label, not the key's."""

    def canonical(self) -> str:
        """The fixed name, else the most used form, preferring ordinary case to shouting."""
        if self.fixed_name:
            return self.name
        forms = Counter(m.text for m in self.mentions)
        quiet = [form for form in forms if not form.isupper()] or list(forms)
        return max(quiet, key=lambda form: (forms[form], len(form)))

    @property
    def decided(self) -> str | None:
        """The label the name itself decides: a country's, or its last word's kind."""
        if self.fixed_label:
            return self.fixed_label
        words = self.words
        if len(words) > 1 and words[-1] in _PLACE_HEADS:
            return "GPE"
        if len(words) > 1 and words[-1] in _ORG_HEADS and not set(words[:-1]) <= _COMPASS_POINTS:
            return "ORG"
        return None

    @property
    def label(self) -> str:
        if decided := self.decided:
            return decided
        if self.context_label:
            return self.context_label
        votes = Counter(m.label for m in self.mentions)
        top = max(votes.values())
        return next(m.label for m in self.mentions if votes[m.label] == top)

    def mention_label(self, mention: _Clean) -> str | None:
        """A mention's own type, where it is not the entity's: a nationality word, or the
        model's label where no label has most of the votes (a tie relabels nothing)."""
        if mention.own_label or self.fixed_label or self.context_label:
            return mention.own_label
        votes = Counter(m.label for m in self.mentions)
        if 2 * max(votes.values()) > len(self.mentions) or mention.label == self.label:
            return None
        return mention.label

    @property
    def words(self) -> list[str]:
        return self.name.split()


def _without_nationality(mention: _Clean, countries: CountryAliases) -> _Clean:
    # "Ugandan Joseph Mugisha": the nationality is a word about the person, not their name.
    first, _, rest = mention.text.partition(" ")
    if mention.label != "PERSON" or len(rest.split()) < 2:
        return mention
    if countries.lookup(first, "NORP") is None:
        return mention
    return replace(mention, text=rest, start=mention.start + len(first) + 1)


def _group(mentions: Sequence[_Clean], countries: CountryAliases) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for mention in (_without_nationality(m, countries) for m in mentions):
        country = countries.lookup(mention.text, mention.label)
        name = country.name if country else mention.text
        group = groups.setdefault(name.casefold(), _Group(name))
        if country:
            group.fixed_label = "GPE"
            group.fixed_name = True
        # "French" names the people, not the place: the country's entity, a NORP mention.
        nationality = country is not None and countries.is_nationality(mention.text)
        group.mentions.append(replace(mention, own_label="NORP") if nationality else mention)
    return list(groups.values())


def _person_for(short: _Group, people: list[_Group]) -> _Group | None:
    # "Stoltenberg" is Jens Stoltenberg when exactly one full name in the article starts or
    # ends with it; with two candidates it stays apart rather than guessing.
    words = short.words
    matches = [
        person
        for person in people
        if person is not short
        and len(person.words) > len(words)
        and (person.words[-len(words) :] == words or person.words[: len(words)] == words)
    ]
    return matches[0] if len(matches) == 1 else None


def _initials(group: _Group) -> str:
    return "".join(word[0] for word in group.words if word[0].isupper())


def _merge(groups: list[_Group]) -> list[_Group]:
    people = [g for g in groups if g.label == "PERSON" and len(g.words) > 1]
    acronyms = {_initials(g): g for g in groups if g.label == "ORG" and len(g.words) > 1}
    # "Washington, DC" first, "Washington" after: the qualified place, named short.
    qualified = {
        g.name.split(",")[0].strip().casefold(): g
        for g in groups
        if g.label in _PLACE_LABELS and "," in g.name
    }
    kept: list[_Group] = []
    for group in groups:
        if not group.mentions:  # already absorbed by its acronym
            continue
        place = qualified.get(group.name.casefold()) if group.label in _PLACE_LABELS else None
        if place is not None and place is not group:
            place.mentions.extend(group.mentions)
            continue
        if group.fixed_label is None:
            target = _person_for(group, people)
            if target is None and group.name.isupper():
                full = acronyms.get(group.name.replace(".", ""))
                # The full name is the key: an acronym can stand for many things.
                if full is not None and full is not group:
                    full.mentions.extend(group.mentions)
                    full.fixed_name = True
                    continue
            if target is not None:
                target.mentions.extend(group.mentions)
                target.fixed_label = "PERSON"
                target.fixed_name = True
                continue
        kept.append(group)
    return [g for g in kept if g.mentions]


def _title_noise(group: _Group, body: str, common: Callable[[str], bool]) -> bool:
    # Headline case capitalises ordinary words ("Coastal museum unveils …", "… for Supporting
    # Russia") and the model takes some for names. A one-word entity seen only in the title
    # whose word the body uses in lower case, or which is a common English word, is such a word.
    if any(m.field == "text" for m in group.mentions) or len(group.words) != 1:
        return False
    if group.fixed_label:  # a country is a name whatever its case
        return False
    word = group.words[0]
    lower = word.lower()
    if lower == word:
        return False
    # An all-capitals word is an acronym ("NATO"), however common its lower-case form.
    return (common(lower) and not word.isupper()) or re.search(
        rf"\b{re.escape(lower)}\b", body
    ) is not None


def _with_dateline_places(
    mentions: Sequence[RawMention], places: tuple[tuple[int, int], ...], body: str
) -> list[RawMention]:
    # The dateline names places, whatever the model made of "USA" there (so a country code
    # folds into its country) or of the whole line ("Manchester , England 1996-08-31" read as
    # one date: a place it found no name in becomes a place mention).
    named = [
        replace(m, label="GPE") if m.field == "text" and (m.start, m.end) in places else m
        for m in mentions
    ]
    found = [(m.start, m.end) for m in named if m.field == "text"]
    missed = [
        RawMention(body[start:end], "GPE", "text", start, end)
        for start, end in places
        if not any(s < end and start < e for s, e in found)
    ]
    return sorted([*named, *missed], key=lambda m: (m.field != "title", m.start))


def _mark_dateline(groups: list[_Group], dateline: tuple[int, int] | None) -> None:
    # The dateline names where the story was filed. A place name the model does not know it
    # reads as a person's ("Tavildara", "Longyear"); in the article that files from it, it is a
    # place. An organisation's name stays one (agency copy is filed from "UNITED NATIONS").
    for group in groups:
        if group.label == "PERSON" and any(
            m.field == "text" and (m.start, m.end) == dateline for m in group.mentions
        ):
            group.context_label = "GPE"


def _long_form_start(acronym: str, before: str) -> int | None:
    # Each letter the initial of a word, in order, right to left from the bracket; the last
    # word before it gives the last letter, so "said on Monday (UN)" defines nothing.
    letters = [c.casefold() for c in acronym if c.isalpha()]
    window = len(letters) + _EXTRA_DEFINITION_WORDS
    words = list(_NAME_WORD.finditer(before))[-window:]
    if not words or words[-1].group(0)[0].casefold() != letters[-1]:
        return None
    remaining = len(letters)
    for word in reversed(words):
        if word.group(0)[0].casefold() == letters[remaining - 1]:
            remaining -= 1
            if remaining == 0:
                return word.start()
    return None


def _mark_definitions(groups: list[_Group], body: str) -> None:
    # An acronym in brackets after a name takes that name's type in this article.
    starts = {m.start: g for g in groups for m in g.mentions if m.field == "text"}
    for group in groups:
        if len(group.words) != 1 or not group.name.isupper() or group.decided:
            continue
        for mention in group.mentions:
            # The name it abbreviates is on its line, before the bracket.
            line_start = body.rfind("\n", 0, mention.start) + 1
            before, after = body[line_start : mention.start], body[mention.end :]
            if mention.field != "text" or not (
                _OPENS_DEFINITION.search(before) and _CLOSES_DEFINITION.match(after)
            ):
                continue
            start = _long_form_start(group.name, _OPENS_DEFINITION.sub("", before))
            named = None if start is None else starts.get(line_start + start)
            if named is not None and named is not group:
                group.context_label = named.label
                break


def _weight(mention: _Clean, lead_end: int) -> float:
    if mention.field == "title":
        return _TITLE_WEIGHT
    return _LEAD_WEIGHT if mention.start < lead_end else _BODY_WEIGHT


def resolve_entities(
    mentions: Sequence[RawMention],
    *,
    countries: CountryAliases,
    body: str,
    lead_end: int,
    common: Callable[[str], bool] = lambda _: False,
    name_labels: Callable[[Sequence[str]], Mapping[str, str | None]] = lambda _: {},
    dateline: tuple[tuple[int, int], ...] = (),
) -> tuple[Entity, ...]:
    """One entity per real-world thing, most salient first (ties: first mentioned first).

    `lead_end` is where the body's first paragraph ends: mentions before it weigh double.
    `common` says whether a lower-case word is everyday English (headline words are not names).
    `name_labels` gives the type each name has on its own, for all of an article's names in
    one call (a name it does not type keeps the article's label in its key).
    `dateline` holds the spans of the place the body's dateline names and of its region.
    """
    named = _with_dateline_places(mentions, dateline, body)
    cleaned = [c for c in (clean_mention(m) for m in named) if c is not None]
    groups = [g for g in _merge(_group(cleaned, countries)) if not _title_noise(g, body, common)]
    _mark_dateline(groups, next(iter(dateline), None))
    _mark_definitions(groups, body)
    weights = [sum(_weight(m, lead_end) for m in g.mentions) for g in groups]
    total = sum(weights) or 1.0
    own = name_labels([g.canonical() for g in groups if not g.decided])
    entities = []
    for group, weight in zip(groups, weights, strict=True):
        ordered = sorted(group.mentions, key=lambda m: (m.field != "title", m.start))
        name = group.canonical()
        label = group.label
        # The key's type is how the model reads the name on its own, so the key is the same
        # in every article however one short text's vote went; `label` stays this article's.
        key_label = label if group.decided else (own.get(name) or label)
        entities.append(
            Entity(
                text=name,
                key=entity_key(key_label, name),
                label=label,
                count=len(ordered),
                forms=tuple(dict.fromkeys(m.text for m in ordered)),
                salience=round(weight / total, 4),
                mentions=tuple(
                    Mention(field=m.field, start=m.start, end=m.end, label=group.mention_label(m))
                    for m in ordered
                ),
            )
        )
    first = {e.key: n for n, e in enumerate(entities)}
    return tuple(sorted(entities, key=lambda e: (-e.salience, first[e.key])))
