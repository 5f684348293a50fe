"""Which language an article is in (py3langid: a pinned model inside the package).

The answer decides whether the English pipeline reads the article at all, so a wrong "not
English" silences every entity, topic and keyphrase. Results tables, lists of names and
datelines are no language's prose, and the identifier takes them for whatever language their
letters resemble (Nigerian Pidgin, Javanese, Croatian). So only prose lines are judged, and an
article is called another language only when the identifier is sure of it there; otherwise it
is undetermined, and the installed pipeline reads it.
"""

from __future__ import annotations

import re
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Below this many letters the guess is noise ("Headline only"); such texts are marked
# undetermined ("und", ISO 639-2) and enriched with the installed English pipeline.
_MIN_LETTERS = 40
UNDETERMINED = "und"
# A prose line has this many words or more, and most of them start in lower case; a table
# row, a list entry or a headline in title case does not.
_PROSE_WORDS = 5
_PROSE_LOWER_SHARE = 0.5
# The probability the identifier must give another language before the article is left
# unread; every English article of the CoNLL-2003 dev split is judged English or unsure by it.
_SURE = 0.9
_WORD = re.compile(r"[^\W\d_]+")


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _is_prose(line: str) -> bool:
    words = _WORD.findall(line)
    lower = sum(1 for word in words if word[0].islower())
    return len(words) >= _PROSE_WORDS and lower >= _PROSE_LOWER_SHARE * len(words)


def prose_lines(text: str) -> str:
    """The lines of `text` written as running prose, one a line."""
    return "\n".join(line for line in text.split("\n") if _is_prose(line))


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language, or "und" when it is too short or unsure to tell."""
    if _letters(text) < _MIN_LETTERS:
        return UNDETERMINED
    prose = prose_lines(text)
    if _letters(prose) < _MIN_LETTERS:
        # No prose to judge (a table, a list of names): the language cannot be told.
        return UNDETERMINED
    language, probability = _identifier().classify(prose)
    if language != "en" and probability < _SURE:
        return UNDETERMINED
    return str(language)
