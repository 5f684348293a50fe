"""Entity spans with names completed where the model stopped short of their end.

The small model often ends a name early on names it has rarely seen: "Yoon Suk" of "Yoon Suk
Yeol", "Han Duck" of "Han Duck-soo", "Hassan Sheikh" and "Mohamud" as two people, "Democratic
Republic (of the)" and "Congo" as two places. Each short reading gives the entity another key in
another article, so a person's name runs on over the capitalised, uncommon words that follow it
on the same line, two people written side by side are one, and two places joined by "of" or
"of the" are one where the whole is a country's name.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc, Span, Token

from services.enrich.sentences import starts_sentence

_PERSON = "PERSON"
_PLACES = frozenset({"GPE", "LOC"})
# Words a country's name can have between the two places the model read it as.
_JOINING = frozenset({"of", "the"})
# A name rarely has more than two words past where the model stopped.
_MAX_EXTRA_WORDS = 2
# Lower-case words that do begin names ("al-Shabaab", "de Gaulle", "van der Leyen").
_PARTICLES = frozenset(
    {"al", "el", "ad", "as", "ash", "an", "bin", "ibn", "ben", "bint", "abu", "de", "del",
     "della", "der", "den", "di", "da", "do", "dos", "du", "la", "le", "van", "von", "ter"}
)  # fmt: skip


def _continues_name(token: Token, common: Callable[[str], bool]) -> bool:
    # A capitalised word that is not everyday English, on the same line, not a new sentence.
    return (
        token.is_alpha
        and token.text[0].isupper()
        and not token.is_upper
        and not starts_sentence(token.doc, token.i)
        and not common(token.lower_)
    )


def _spaced(token: Token) -> bool:
    return token.whitespace_ == " "


def _person_end(doc: Doc, ent: Span, taken: set[int], common: Callable[[str], bool]) -> int:
    end = ent.end
    while end - ent.end < _MAX_EXTRA_WORDS and end < len(doc) and end not in taken:
        last, following = doc[end - 1], doc[end]
        # "Duck-soo": a hyphen and a lower-case syllable written close up.
        if (
            following.text == "-"
            and not last.whitespace_
            and not following.whitespace_
            and end + 1 < len(doc)
            and end + 1 not in taken
            and doc[end + 1].is_lower
            and doc[end + 1].is_alpha
        ):
            end += 2
            continue
        if _spaced(last) and _continues_name(following, common):
            end += 1
            continue
        break
    return end


def _start(ent: Span, common: Callable[[str], bool]) -> int:
    # "suspected Al-Shabaab": a name begins with a capital, so ordinary lower-case words the
    # model took in front of it are not the name.
    start = ent.start
    while start < ent.end - 1:
        token = ent.doc[start]
        # A word written close up to the name is part of it ("post-World War II").
        if not (token.is_lower and token.is_alpha and _spaced(token) and common(token.lower_)):
            break
        if token.lower_ in _PARTICLES:
            break
        start += 1
    return start


def completed_names(
    doc: Doc, common: Callable[[str], bool], is_country: Callable[[str], bool]
) -> list[Span]:
    """The doc's entities with people's and countries' names completed (see the module)."""
    ents = [Span(doc, _start(ent, common), ent.end, label=ent.label_) for ent in doc.ents]
    merged: list[Span] = []
    for ent in ents:
        previous = merged[-1] if merged else None
        if previous is not None and _joins(doc, previous, ent, is_country):
            merged[-1] = Span(doc, previous.start, ent.end, label=previous.label_)
        else:
            merged.append(ent)
    taken = {i for ent in merged for i in range(ent.start, ent.end)}
    completed = []
    for ent in merged:
        if ent.label_ != _PERSON:
            completed.append(ent)
            continue
        person = Span(doc, ent.start, _person_end(doc, ent, taken, common), label=_PERSON)
        taken.update(range(person.start, person.end))
        completed.append(person)
    return completed


def _joins(doc: Doc, first: Span, second: Span, is_country: Callable[[str], bool]) -> bool:
    between = doc[first.end : second.start]
    if first.label_ == second.label_ == _PERSON:
        # Two people side by side with only a space between are one ("Hassan Sheikh Mohamud").
        return not between and _spaced(doc[first.end - 1])
    if first.label_ not in _PLACES or second.label_ not in _PLACES:
        return False
    if len(between) > 2 or any(token.lower_ not in _JOINING for token in between):
        return False
    if not all(_spaced(token) for token in doc[first.end - 1 : second.start]):
        return False
    whole = doc[first.start : second.end]
    # "the Democratic Republic of the" + "Congo": the name is without the article.
    return is_country(whole[1:].text if whole[0].lower_ == "the" else whole.text)
