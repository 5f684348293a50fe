"""The annotated-NER harness: CoNLL documents to texts and spans, exact-span scoring."""

from __future__ import annotations

from evaluation.nerdata import Span, read_conll
from evaluation.spanscore import SpanCounts, coarse_spans

CONLL = """-DOCSTART- -X- O O

SOCCER NN I-NP O
- : O O
JAPAN NNP I-NP I-LOC
WIN VB I-VP O

TOKYO NNP I-NP I-LOC
1996-12-06 CD I-NP O

Nadim NNP I-NP I-PER
Ladki NNP I-NP I-PER
and CC O O
Hassan NNP I-NP B-PER
of IN O O
Bayern NNP I-NP I-ORG
Munich NNP I-NP I-ORG
. . O O

-DOCSTART- -X- O O

Oslo NNP I-NP I-LOC
"""


def test_conll_documents_become_texts_of_lines_with_their_spans() -> None:
    first, second = read_conll(CONLL.splitlines(), "dev")
    assert first.text == (
        "SOCCER - JAPAN WIN\nTOKYO 1996-12-06\nNadim Ladki and Hassan of Bayern Munich ."
    )
    assert [(first.text[s.start : s.end], s.type) for s in first.spans] == [
        ("JAPAN", "LOC"),
        ("TOKYO", "LOC"),
        ("Nadim Ladki", "PER"),
        ("Hassan", "PER"),  # B- opens a new span of the same type (IOB1)
        ("Bayern Munich", "ORG"),
    ]
    assert (second.id, second.text, second.spans) == ("dev:2", "Oslo", (Span(0, 4, "LOC"),))


def test_errors_are_counted_by_kind() -> None:
    gold = [Span(0, 5, "PER"), Span(10, 20, "ORG"), Span(30, 35, "LOC"), Span(40, 45, "MISC")]
    predicted = coarse_spans(
        [
            (0, 5, "PERSON"),  # right
            (10, 15, "ORG"),  # boundary
            (30, 35, "PERSON"),  # type
            (40, 45, "GPE"),  # type: the gold span is MISC
            (50, 55, "GPE"),  # spurious
            (60, 65, "NORP"),  # not scored
        ]
    )
    counts = SpanCounts()
    assert counts.add(predicted, gold) == {Span(0, 5, "PER")}
    figures = counts.figures()
    assert (figures["all precision"], figures["all recall"]) == (0.2, round(1 / 3, 3))
    assert [figures[f"errors: {k}"] for k in ("missed", "spurious", "boundary", "type")] == [
        0,
        1,
        1,
        2,
    ]
