"""Which language an article is in (CLD2, through pycld2: tables compiled into the library).

The answer decides whether the English pipeline reads the article at all, so a wrong "not
English" silences every entity, topic and keyphrase. Results tables, lists of names and
datelines are no language's prose, and a detector takes them for whatever language their
letters resemble (Nigerian Pidgin, Javanese, Croatian). So only prose lines are judged, and an
article is called another language only when the detector is sure of it there; otherwise it
is undetermined, and the installed pipeline reads it.

CLD2 rather than a model loaded into Python (py3langid added 72 MB to the worker): its tables
are part of the compiled library, shared between processes, and it reads a text in
microseconds.
"""

from __future__ import annotations

import re

import pycld2

# Below this many letters the guess is noise ("Headline only"); such texts are marked
# undetermined ("und", ISO 639-2) and enriched with the installed English pipeline.
_MIN_LETTERS = 40
UNDETERMINED = "und"
# A prose line has this many words or more, and most of them start in lower case; a table
# row, a list entry or a headline in title case does not.
_PROSE_WORDS = 5
_PROSE_LOWER_SHARE = 0.5
# The share of the prose CLD2 must give another language, with its own "reliable" flag set,
# before the article is left unread; every English article of the CoNLL-2003 dev split is
# judged English or undetermined with it.
_SURE_PERCENT = 80
_WORD = re.compile(r"[^\W\d_]+")
# CLD2 still writes a few codes ISO 639-1 has since replaced.
_CURRENT_CODES = {"iw": "he", "jw": "jv", "in": "id", "ji": "yi", "mo": "ro"}


def _has_letters(text: str) -> bool:
    """Whether `text` has `_MIN_LETTERS` letters, counted no further than needed."""
    letters = 0
    for word in _WORD.finditer(text):
        letters += word.end() - word.start()
        if letters >= _MIN_LETTERS:
            return True
    return False


def _is_prose(line: str) -> bool:
    words = _WORD.findall(line)
    lower = sum(1 for word in words if word[0].islower())
    return len(words) >= _PROSE_WORDS and lower >= _PROSE_LOWER_SHARE * len(words)


def prose_lines(text: str) -> str:
    """The lines of `text` written as running prose, one a line."""
    return "\n".join(line for line in text.split("\n") if _is_prose(line))


def _language_code(cld2_code: str) -> str:
    # "zh-Hant" is Chinese, "sr-ME" Serbian; "un", "xxx" and the "xx-" scripts are no language.
    code = cld2_code.split("-", maxsplit=1)[0]
    if code in ("un", "xx", "xxx"):
        return UNDETERMINED
    return _CURRENT_CODES.get(code, code)


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language (639-2 where the language has none), or "und"
    when it is too short or unsure to tell."""
    if not _has_letters(text):
        return UNDETERMINED
    prose = prose_lines(text)
    if not _has_letters(prose):
        # No prose to judge (a table, a list of names): the language cannot be told.
        return UNDETERMINED
    # Only the words written in lower case: capitalised words are mostly names, which say
    # where a story happened, not what language tells it ("Malagasy president Michael
    # Randrianirina appoints Herintsalama Rajaonarivelo" is Malagasy to CLD2). The words
    # alone also keep out control characters and lone surrogates, which CLD2 refuses.
    words = " ".join(word for word in _WORD.findall(prose) if word[0].islower())
    if not _has_letters(words):
        return UNDETERMINED
    reliable, _, details = pycld2.detect(words, isPlainText=True)
    _, cld2_code, percent, _ = details[0]
    language = _language_code(cld2_code)
    if language != "en" and not (reliable and percent >= _SURE_PERCENT):
        return UNDETERMINED
    return language
