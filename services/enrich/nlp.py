"""The spaCy side of enrichment: load the pipeline, read mentions, phrases and terms off a Doc."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from services.enrich.entities import RawMention
from services.enrich.keyphrases import PhraseOccurrence
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
# Content words, for keyphrases.
_CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ"})
_MAX_PHRASE_WORDS = 4


def load_pipeline(name: str) -> Language:
    """Load an installed spaCy pipeline by package name; a clear error if it is missing."""
    try:
        nlp = spacy.load(name)
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
    # A new line opens a sentence even where the parser ran a headline without a full stop
    # into the body's first sentence.
    if original[:start].rstrip(" \t").endswith("\n") or start == 0:
        return True
    return doc.has_annotation("SENT_START") and all(
        token.is_space for token in doc[ent.sent.start : ent.start]
    )


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


def _is_content(token: Token) -> bool:
    """A noun, proper noun or adjective of letters only, not a stop word or a single letter."""
    return token.pos_ in _CONTENT_POS and token.is_alpha and not token.is_stop and len(token) > 1


def _phrase_tokens(chunk: Span) -> list[Token]:
    tokens = [t for t in chunk if _is_content(t)]
    # Names are entities, not topics: a phrase needs a common noun.
    if not any(t.pos_ == "NOUN" for t in tokens) or len(tokens) > _MAX_PHRASE_WORDS:
        return []
    return tokens


def phrases_of(doc: Doc, text: ArticleText) -> list[PhraseOccurrence]:
    """Candidate topic phrases: the content words of each noun chunk, lemmatised."""
    occurrences = []
    for chunk in doc.noun_chunks:
        tokens = _phrase_tokens(chunk)
        if not tokens:
            continue
        words = tuple(t.lemma_.lower() for t in tokens)
        surface = text.joined[tokens[0].idx : tokens[-1].idx + len(tokens[-1])]
        occurrences.append(
            PhraseOccurrence(
                key=" ".join(words),
                words=words,
                surface=" ".join(surface.split()),
                in_title=chunk.start_char < text.body_start,
            )
        )
    return occurrences
