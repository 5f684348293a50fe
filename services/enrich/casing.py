"""Headline case undone for the NER model: all-caps and title-case lines in ordinary case.

The model reads "WASHINGTON --" or an all-caps headline as an organisation or as noise; in
ordinary case it reads them as it was trained to. In a title-case headline every word is
capitalised, so a name runs on into the words after it ("Justin Bieber Gets Irritated" as one
person). The model's copy gives such words their ordinary case: words that are never names
(function words, headline verbs), and words the article itself writes only in lower case.
Only the copy given to the model changes, and every word keeps its length, so offsets (and
the surface forms taken from the original) hold.
"""

from __future__ import annotations

import re
from itertools import islice

from services.enrich.boilerplate import place_line

_WORD = re.compile(r"[^\W\d_][^\W_'’.-]*", re.UNICODE)
# Shorter all-caps words are most often acronyms (US, UN, EU, BBC) and stay as they are.
_MIN_SOFTENED = 4
_SHOUTING_SHARE = 0.8
_SHOUTING_WORDS = 3
# A title-case line: this share of its words of four letters or more is capitalised.
_TITLE_CASE_SHARE = 0.6
# Words headline style capitalises that are not names: prepositions, conjunctions, pronouns,
# auxiliaries and the commonest headline verbs (four letters or more: shorter capitalised
# words are left alone, as they are as often acronyms or names).
_NEVER_NAMES_TEXT = """about above across after against along amid among around because before
    behind below beside besides between beyond despite during except from into near onto over
    since than that their them then there these they this those through toward towards under
    until upon versus were what when where which while whom whose with within without would
    could should been being have does says said gets wins beats dies faces takes makes calls
    urges warns vows plans seeks backs slams hits quits joins leaves admits denies claims must
    will"""
_NEVER_NAMES = frozenset(_NEVER_NAMES_TEXT.split())
# Short words shouting cannot hide: function words ("COLORADO AT ST LOUIS") and the particles
# that open place names ("ST LOUIS", "LOS ANGELES", "NEW YORK"). Left in capitals among
# softened words, the model reads "ST" alone as a place and "AT" as part of a name.
_SHORT_FUNCTION_WORDS = frozenset(
    {"at", "of", "in", "on", "to", "by", "for", "the", "and", "or", "vs"}
)
_PLACE_PARTICLES = frozenset(
    {"st", "ste", "san", "los", "las", "new", "el", "la", "le", "fort", "port", "mt"}
)


def _as_ordinary(word: str, lower_words: frozenset[str]) -> str:
    lower = word.lower()
    if lower in _NEVER_NAMES or lower in lower_words:
        return lower if len(lower) == len(word) else word
    return word


def _soften_short(word: str, *, first: bool, before_word: bool) -> str:
    lower = word.lower()
    if lower in _PLACE_PARTICLES and before_word:
        return word.capitalize()
    if lower in _SHORT_FUNCTION_WORDS and not first:
        return lower
    return word


def _soften_word(
    word: str, lower_words: frozenset[str], *, first: bool, before_word: bool = False
) -> str:
    if not word.isupper():
        return word
    if len(word) < _MIN_SOFTENED:
        return _soften_short(word, first=first, before_word=before_word)
    # A line's first word keeps its capital: it opens the headline or the dateline.
    softened = word if first else _as_ordinary(word, lower_words)
    if softened == word:
        softened = word.capitalize()
    return softened if len(softened) == len(word) else word


def lower_case_words(text: str) -> frozenset[str]:
    """The words `text` writes only in lower case in its ordinary-case lines (a line's first
    word aside): the article's own evidence that a headline's capital is style, not a name."""
    lower: set[str] = set()
    capitalised: set[str] = set()
    for line in text.split("\n"):
        if _shouting(line):
            continue
        for word in _WORD.findall(line)[1:]:
            (lower if word.islower() else capitalised).add(word.lower())
    return frozenset(lower - capitalised)


def _shouting(line: str) -> bool:
    # Most lines are ordinary prose: the word count (up to the minimum) settles them cheaply.
    if sum(1 for _ in islice(_WORD.finditer(line), _SHOUTING_WORDS)) < _SHOUTING_WORDS:
        return False
    letters = "".join(filter(str.isalpha, line))
    upper = sum(map(str.isupper, letters))
    return bool(letters) and upper / len(letters) >= _SHOUTING_SHARE


def soften_shouting(text: str, lower_words: frozenset[str] = frozenset()) -> str:
    """`text` with all-caps lines and dateline places in ordinary case, same length; words
    in `lower_words` (and words that are never names) in lower case there."""
    return "\n".join(_soften_line(line, lower_words) for line in text.split("\n"))


def model_case_title(title: str, lower_words: frozenset[str] = frozenset()) -> str:
    """A headline as the model should read it: shouting softened, and in title case the
    words that are never names or that the article writes in lower case in lower case."""
    if _shouting(title):
        return _soften_line(title, lower_words)
    long_words = [w for w in _WORD.findall(title) if len(w) >= _MIN_SOFTENED]
    capitalised = sum(1 for w in long_words if w[0].isupper())
    if not long_words or capitalised < _TITLE_CASE_SHARE * len(long_words):
        return title
    first = _WORD.search(title)
    head = first.end() if first else 0
    return title[:head] + _WORD.sub(lambda m: _as_ordinary(m.group(0), lower_words), title[head:])


def _soften_line(line: str, lower_words: frozenset[str]) -> str:
    def soften(match: re.Match[str]) -> str:
        word, end = match.group(0), match.end()
        # A particle opens a name only where a word follows it on the line ("ST LOUIS"); only
        # a short word can be one.
        before_word = (
            len(word) < _MIN_SOFTENED
            and line[end : end + 1] == " "
            and bool(_WORD.match(line, end + 1))
        )
        return _soften_word(
            word, lower_words, first=match.start() == first_start, before_word=before_word
        )

    first = _WORD.search(line)
    first_start = first.start() if first else -1
    if _shouting(line):
        return _WORD.sub(soften, line)
    dateline = place_line(line)
    if not dateline:
        return line
    end = dateline.end("place")
    return _WORD.sub(soften, line[:end]) + line[end:]
