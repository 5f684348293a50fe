"""Public annotated news for named entities: CoNLL-2003's development split.

`evaluation/ner-data/sources.json` pins the source (repository, commit, file, SHA-256,
licence); the data is not committed: check it out into `DATA/<name>/` (see
`evaluation/ner-data/README.md`). A file in CoNLL's column format holds documents (each opened
by `-DOCSTART-`) of sentences (separated by blank lines) of tokens, one a line, the IOB1 tag
last. A document becomes one text: tokens joined by spaces, one sentence a line, as the
sentences, headlines, datelines and table rows of the wire stories were laid out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from evaluation.topicsources import Source, load_manifest, pinned_files_in

NER_DATA = Path(__file__).resolve().parent / "ner-data"
_DOCSTART = "-DOCSTART-"
Part = Literal["tune", "held-out"]


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A typed stretch of a text (character offsets, end exclusive)."""

    start: int
    end: int
    type: str


@dataclass(frozen=True, slots=True)
class AnnotatedText:
    """One annotated document: its text and gold entity spans (PER, ORG, LOC, MISC)."""

    id: str
    text: str
    spans: tuple[Span, ...]

    @property
    def part(self) -> Part:
        """`tune` (rules are looked at and adjusted on it) or `held-out` (only reported)."""
        return half_of(self.id)


def half_of(item_id: str) -> Part:
    """`tune` or `held-out`, fixed by an item's id alone, half and half."""
    bucket = int(hashlib.sha256(item_id.encode("utf-8")).hexdigest()[:8], 16) % 2
    return "tune" if bucket == 0 else "held-out"


def load_ner_manifest(path: Path = NER_DATA / "sources.json") -> list[Source]:
    """The pinned annotated NER sources."""
    return load_manifest(path)


def load_ner_source(source: Source, data: Path) -> list[AnnotatedText]:
    """Every document of a source, read from `data/<name>/` after checking its digest."""
    documents: list[AnnotatedText] = []
    for path in pinned_files_in(source, data, "conll-iob1"):
        with path.open(encoding="utf-8") as lines:
            documents.extend(read_conll(lines, f"{source.name}:{path.name}"))
    return documents


def _documents(lines: Iterable[str]) -> Iterator[list[list[tuple[str, str]]]]:
    sentences: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for line in lines:
        columns = line.split()
        if columns and columns[0] == _DOCSTART:
            if sentence:
                sentences.append(sentence)
            if sentences:
                yield sentences
            sentences, sentence = [], []
        elif columns:
            sentence.append((columns[0], columns[-1]))
        elif sentence:
            sentences.append(sentence)
            sentence = []
    if sentence:
        sentences.append(sentence)
    if sentences:
        yield sentences


def read_conll(lines: Iterable[str], name: str) -> list[AnnotatedText]:
    """The documents of a CoNLL column file (token first, IOB1 or IOB2 tag last)."""
    documents = []
    for number, sentences in enumerate(_documents(lines), start=1):
        text_lines: list[str] = []
        spans: list[Span] = []
        offset = 0
        for sentence in sentences:
            open_span: tuple[int, int, str] | None = None
            words: list[str] = []
            for token, tag in sentence:
                start = offset + sum(len(w) + 1 for w in words)
                words.append(token)
                kind = tag[2:] if tag != "O" else ""
                continues = open_span is not None and tag.startswith("I-") and open_span[2] == kind
                if open_span is not None and not continues:
                    spans.append(Span(*open_span))
                    open_span = None
                if continues and open_span is not None:
                    open_span = (open_span[0], start + len(token), kind)
                elif kind:
                    open_span = (start, start + len(token), kind)
            if open_span is not None:
                spans.append(Span(*open_span))
            line = " ".join(words)
            text_lines.append(line)
            offset += len(line) + 1
        documents.append(AnnotatedText(f"{name}:{number}", "\n".join(text_lines), tuple(spans)))
    return documents
