"""Shouting undone for the NER model: all-caps headlines and datelines in ordinary case.

The model reads "WASHINGTON --" or an all-caps headline as an organisation or as noise; in
ordinary case it reads them as it was trained to. Only the copy given to the model changes, and
every word keeps its length, so offsets (and the surface forms taken from the original) hold.
"""

from __future__ import annotations

import re

from services.enrich.boilerplate import place_line

_WORD = re.compile(r"[^\W\d_][^\W_'’.-]*", re.UNICODE)
# Shorter all-caps words are most often acronyms (US, UN, EU, BBC) and stay as they are.
_MIN_SOFTENED = 4
_SHOUTING_SHARE = 0.8
_SHOUTING_WORDS = 3


def _soften_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if len(word) < _MIN_SOFTENED or not word.isupper():
        return word
    softened = word.capitalize()
    return softened if len(softened) == len(word) else word


def _shouting(line: str) -> bool:
    words = _WORD.findall(line)
    letters = [c for c in line if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    return (
        len(words) >= _SHOUTING_WORDS and bool(letters) and upper / len(letters) >= _SHOUTING_SHARE
    )


def soften_shouting(text: str) -> str:
    """`text` with all-caps lines and dateline places in ordinary case, same length."""
    return "\n".join(_soften_line(line) for line in text.split("\n"))


def _soften_line(line: str) -> str:
    if _shouting(line):
        return _WORD.sub(_soften_word, line)
    dateline = place_line(line)
    if not dateline:
        return line
    end = dateline.end("place")
    return _WORD.sub(_soften_word, line[:end]) + line[end:]
