"""The words and word pairs the topic classifier reads, with where the article writes them.

One function serves training (`tools/train_topic_model.py`) and the enrich worker, so the model
sees the same features in both. Tokens are runs of letters (inner apostrophes and hyphens kept,
a possessive "'s" cut), lower-cased; stop words and numbers are left out. Features are single
words and pairs of neighbouring kept words ("prime minister", "interest rates"). The headline
counts twice, as an editor's summary of the article; the body is read up to `BODY_WORDS` words
(news puts what an article is about first, and this bounds the cost of very long texts).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from itertools import islice

from spacy.lang.en.stop_words import STOP_WORDS

BODY_WORDS = 400
TITLE_WEIGHT = 2
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’][sS]$")
# Words that carry no topic but are not in spaCy's list ("said" is in every story).
_EXTRA_STOP = frozenset({"said", "says", "say", "told", "according", "mr", "ms", "mrs", "new"})
_STOP = frozenset(STOP_WORDS) | _EXTRA_STOP


@dataclass(slots=True)
class FeatureUse:
    """A feature of one article: how often it occurs (title uses weighted) and how it is written."""

    count: float
    uses: int
    surface: str


def _tokens(text: str, limit: int | None = None) -> list[tuple[str, int, int] | None]:
    """Kept words in order as (word, start, end); None where a stop word or a non-word breaks
    a pair."""
    tokens: list[tuple[str, int, int] | None] = []
    words = 0
    position = 0
    for match in _WORD.finditer(text):
        start = match.start()
        # Punctuation between two words breaks a pair ("war. Peace" is no phrase).
        if start > position and not text[position:start].isspace():
            tokens.append(None)
        position = match.end()
        words += 1
        if limit is not None and words > limit:
            break
        stem = match.group()
        if "'" in stem or "’" in stem:
            stem = _POSSESSIVE.sub("", stem)
            word = stem.lower().replace("’", "'")
        else:
            word = stem.lower()
        if len(word) < 2 or word in _STOP:
            tokens.append(None)
            continue
        tokens.append((word, start, start + len(stem)))
    return tokens


def _add(
    found: dict[str, FeatureUse], feature: str, weight: float, text: str, span: tuple[int, int]
) -> None:
    use = found.get(feature)
    if use is None:
        # The first use's surface, its whitespace collapsed: worked out once per feature.
        found[feature] = FeatureUse(weight, 1, " ".join(text[span[0] : span[1]].split()))
    else:
        use.count += weight
        use.uses += 1


def _collect(
    found: dict[str, FeatureUse],
    text: str,
    weight: float,
    limit: int | None,
    known: Container[str] | None,
) -> None:
    previous: tuple[str, int, int] | None = None
    for token in _tokens(text, limit):
        if token is None:
            previous = None
            continue
        word, start, end = token
        if known is None or word in known:
            _add(found, word, weight, text, (start, end))
        if previous is not None:
            pair = f"{previous[0]} {word}"
            if known is None or pair in known:
                _add(found, pair, weight, text, (previous[1], end))
        previous = token


def article_features(
    title: str | None, body: str, known: Container[str] | None = None
) -> dict[str, FeatureUse]:
    """Every feature of an article with its weighted count and first surface form; only those
    in `known` when it is given (a trained model's vocabulary: the others weigh nothing).

    `title` and `body` may have boilerplate blanked out (same length, spaces): blanked text
    simply yields no words.
    """
    found: dict[str, FeatureUse] = {}
    if title:
        _collect(found, title, TITLE_WEIGHT, None, known)
    _collect(found, body, 1, BODY_WORDS, known)
    return found


def word_count(text: str, limit: int | None = None) -> int:
    """Words in a text, as the classifier counts them (stop words included); at most `limit`
    when one is given (enough to compare with a minimum, without reading a long text through)."""
    return sum(1 for _ in islice(_WORD.finditer(text), limit))
