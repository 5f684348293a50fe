"""The spaCy side of enrichment: load the pipeline, read mentions off a Doc."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from services.enrich.entities import RawMention
from services.enrich.sentences import starts_sentence
from shared.schemas import MAX_TEXT_CHARS, MAX_TITLE_CHARS, ModelRef

# Named-entity types kept; numeric and temporal spans (DATE, CARDINAL, MONEY, …) are not names.
NAMED_LABELS = frozenset(
    {
        "PERSON",
        "NORP",
        "FAC",
        "ORG",
        "GPE",
        "LOC",
        "PRODUCT",
        "EVENT",
        "WORK_OF_ART",
        "LAW",
        "LANGUAGE",
    }
)
_TITLE_SEPARATOR = "\n\n"
# Not loaded: the parser (and its sentence-only twin) and the attribute ruler, whose work
# (dependencies, noun chunks, universal tags) enrichment no longer reads.
_NOT_LOADED = ("parser", "senter", "attribute_ruler")
# Loaded but left out of `nlp.pipe`: the recogniser has its own token-to-vector layer, so
# these serve only the keyphrases' tagging of each article's head (`nounphrases`).
_HEAD_ONLY = ("tok2vec", "tagger", "lemmatizer")


def load_pipeline(name: str) -> Language:
    """Load an installed spaCy pipeline by package name, as enrichment runs it: `nlp.pipe`
    runs the entity recogniser alone (sentence starts are asked of single tokens, by
    `sentences.starts_sentence`); a clear error if the pipeline is missing."""
    try:
        nlp = spacy.load(name, exclude=_NOT_LOADED, disable=_HEAD_ONLY)
    except OSError as exc:
        msg = f"spaCy pipeline {name!r} is not installed (set SPACY_MODEL to an installed one)"
        raise RuntimeError(msg) from exc
    # Every valid article fits: the schema bounds title and text (see MAX_TEXT_CHARS).
    nlp.max_length = MAX_TITLE_CHARS + len(_TITLE_SEPARATOR) + MAX_TEXT_CHARS
    return nlp


def model_ref(nlp: Language) -> ModelRef:
    """Name and version of the pipeline, as recorded on every enriched article."""
    return ModelRef(name=f"{nlp.meta['lang']}_{nlp.meta['name']}", version=nlp.meta["version"])


@dataclass(frozen=True, slots=True)
class ArticleText:
    """Title and body joined into the one text the pipeline reads.

    `model_title` and `model_body` are what the model reads instead (boilerplate blanked,
    shouting softened); they have the same lengths, so offsets and surface forms are taken from
    the original.
    """

    title: str | None
    body: str
    model_title: str | None = None
    model_body: str | None = None

    @property
    def joined(self) -> str:
        """The original text: title, blank line, body."""
        return f"{self.title}{_TITLE_SEPARATOR}{self.body}" if self.title else self.body

    @property
    def model_joined(self) -> str:
        """The text given to spaCy, aligned character for character with `joined`."""
        title = self.model_title if self.model_title is not None else self.title
        body = self.model_body if self.model_body is not None else self.body
        return f"{title}{_TITLE_SEPARATOR}{body}" if title else body

    @property
    def body_start(self) -> int:
        """Where the body begins in `joined`."""
        return len(self.title) + len(_TITLE_SEPARATOR) if self.title else 0


def _visible_end(original: str, model_text: str, start: int, end: int) -> int:
    """Where a span ends before blanked boilerplate: the model may run a name into the gap."""
    blanked = next(
        (i for i in range(start, end) if model_text[i] == " " and original[i] != " "), end
    )
    return start + len(original[start:blanked].rstrip())


def _opens_sentence(doc: Doc, ent: Span, start: int, original: str) -> bool:
    # A new line opens a sentence even where the punctuation rule ran a headline without a full stop
    # into the body's first sentence.
    if original[:start].rstrip(" \t").endswith("\n") or start == 0:
        return True
    # By the punctuation rule, whitespace tokens before the name may open the sentence.
    first = ent.start
    while first > 0 and doc[first - 1].is_space:
        first -= 1
    return starts_sentence(doc, first)


def _line_pieces(original: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The parts of `original[start:end]` on each of its lines, without outer whitespace."""
    position = start
    for part in original[start:end].split("\n"):
        piece_start = position + len(part) - len(part.lstrip())
        piece_end = position + len(part.rstrip())
        if piece_end > piece_start:
            yield piece_start, piece_end
        position += len(part) + 1


def mentions_of(doc: Doc, ents: Sequence[Span], text: ArticleText) -> list[RawMention]:
    """Named-entity mentions of `ents` (spans of `doc`) with offsets into the title or the
    body, as written there.

    A name never runs across a line break: the model reads a table row, a dateline or a
    headline into the next line ("NY RANGERS\nPITTSBURGH"), so each line's part is a mention.
    """
    original, model_text = text.joined, text.model_joined
    mentions = []
    for ent in ents:
        if ent.label_ not in NAMED_LABELS:
            continue
        for start, piece_end in _line_pieces(original, ent.start_char, ent.end_char):
            end = _visible_end(original, model_text, start, piece_end)
            surface = " ".join(original[start:end].split())
            if not surface:
                continue
            if start < text.body_start:
                field: Literal["title", "text"] = "title"
                offset = 0
            else:
                field, offset = "text", text.body_start
            mentions.append(
                RawMention(
                    surface,
                    ent.label_,
                    field,
                    start - offset,
                    end - offset,
                    sentence_start=_opens_sentence(doc, ent, start, original),
                )
            )
    return mentions
