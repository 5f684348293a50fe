"""Sentence starts by spaCy's punctuation rule, asked of one token instead of marked on all.

Enrichment asks whether a sentence opens at a handful of tokens per article (where a name
begins, where it might run on). spaCy's `sentencizer` answers that by walking every token of
every doc and creating a Python object for each, a few per cent of a worker's CPU; the same
rule read backwards from the token asked about touches only the punctuation just before it.
"""

from __future__ import annotations

from spacy.pipeline import Sentencizer
from spacy.tokens import Doc

# The sentencizer's own default list: what ends a sentence.
_SENTENCE_FINAL = frozenset(Sentencizer.default_punct_chars)


def _punctuation(doc: Doc, i: int) -> bool:
    token = doc[i]
    return token.is_punct or token.text in _SENTENCE_FINAL


def starts_sentence(doc: Doc, i: int) -> bool:
    """Whether token `i` of `doc` opens a sentence as the sentencizer would mark it: the doc's
    first token, or the first token that is not punctuation after a run of punctuation holding
    a sentence-final mark ("said. Then", "it?\" He"; whitespace tokens count as words)."""
    if i == 0:
        return True
    if _punctuation(doc, i):
        return False
    k = i - 1
    while k >= 0 and _punctuation(doc, k):
        if doc[k].text in _SENTENCE_FINAL:
            return True
        k -= 1
    return False
