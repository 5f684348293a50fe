"""The lighter pipeline: noun phrases from tags, sentence starts from punctuation, CLD2."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.pipeline import Lemmatizer

from services.enrich.language import detect_language
from services.enrich.nlp import load_pipeline
from services.enrich.nounphrases import HEAD_TOKENS, HeadTagger, phrases_of
from services.enrich.sentences import starts_sentence
from shared.settings import Settings


@cache
def _nlp() -> Language:
    return load_pipeline(Settings().spacy_model)


def _phrases(title: str, body: str) -> list[tuple[str, str, bool]]:
    nlp = _nlp()
    text = f"{title}\n\n{body}"
    tagger = HeadTagger(nlp)
    (head,) = tagger.heads([(text, nlp(text))], batch_size=1)
    return [(p.key, p.surface, p.in_title) for p in phrases_of(head, text, len(title) + 2, tagger)]


def test_the_enrich_pipeline_runs_no_parser_and_the_recogniser_alone() -> None:
    nlp = _nlp()
    assert nlp.pipe_names == ["ner"]
    assert "parser" not in nlp.component_names
    assert "attribute_ruler" not in nlp.component_names


def test_noun_phrases_are_runs_of_adjectives_and_nouns_lemmatised() -> None:
    found = _phrases(
        "New bridge costs",
        "The city council approved higher defence budgets for long-term repairs.",
    )
    assert ("new bridge cost", "New bridge costs", True) in found
    assert ("city council", "city council", False) in found
    assert ("high defence budget", "higher defence budgets", False) in found
    # A hyphen written close up joins the phrase's words.
    assert ("long term repair", "long-term repairs", False) in found


def test_phrase_words_have_the_lemmatisers_own_lemmas() -> None:
    # The enrich pipeline's lemma index is held as sets; a pipeline loaded as it ships (lists)
    # must give every inflected phrase word the same lemma.
    nlp, shipped = _nlp(), spacy.load(Settings().spacy_model)
    tagger = HeadTagger(nlp)
    text = (
        "Bigger cities saw wider protests as ministers, crises and analyses of the largest "
        "economies drew sharper criticism from farmers, wolves, mice, data centres and taxes."
    )
    (head,) = tagger.heads([(text, nlp(text))], batch_size=1)
    inflected = [token for token in head if token.tag_ in ("NNS", "JJR", "JJS")]
    assert len(inflected) >= 10
    lemmatizer = shipped.get_pipe("lemmatizer")
    assert isinstance(lemmatizer, Lemmatizer)
    for token in inflected:
        expected = tagger.lemma(token)
        assert expected == str(lemmatizer.rule_lemmatize(token)[0]).lower(), token.text


def test_phrases_need_a_common_noun_and_end_on_a_noun() -> None:
    found = _phrases("Headline here", "Maria Lopez met Pedro Alvarez. The plan was new.")
    keys = {key for key, _, _ in found}
    assert "maria lopez" not in keys  # names are entities, not topics
    assert "pedro alvarez" not in keys
    assert "new" not in keys
    assert "plan" in keys


def test_only_the_head_is_tagged() -> None:
    nlp = _nlp()
    text = "word " * (HEAD_TOKENS + 50) + "final budget crisis"
    (head,) = HeadTagger(nlp).heads([(text, nlp(text))], batch_size=1)
    assert len(head) <= HEAD_TOKENS
    assert text.startswith(head.text)


def test_sentence_starts_come_from_sentence_final_punctuation() -> None:
    doc = next(_nlp().pipe(["Talks went on. Officials met in the U.S. Senate on Monday!"]))
    starts = [token.text for token in doc if starts_sentence(doc, token.i)]
    assert starts == ["Talks", "Officials"]  # "U.S." is one token, no sentence end


def test_cld2_tells_prose_languages_apart() -> None:
    spanish = (
        "El ayuntamiento aprobó el martes la reparación del viejo puente sobre el río. Las "
        "obras empezarán en primavera y durarán unos dos años, según dijo la alcaldesa."
    )
    dutch = (
        "De gemeenteraad heeft dinsdag besloten de oude brug over de rivier te herstellen. De "
        "werkzaamheden beginnen in het voorjaar en duren ongeveer twee jaar."
    )
    assert detect_language(spanish) == "es"
    assert detect_language(dutch) == "nl"


def test_cld2_never_silences_an_english_table_or_a_mixed_snippet() -> None:
    table = "\n".join(
        ["Team W L T GF GA", "Ajax 3 1 0 9 4", "Feyenoord 2 2 0 6 6", "Groningen 1 3 0 3 8"] * 4
    )
    assert detect_language(table) == "und"
    mixed = (
        "The mayor of Greyport said on Tuesday that the bridge works would start in spring.\n"
        'Asked about the delay, she answered: "Wir schaffen das, ganz sicher."\n'
        "The council will meet again next week to approve the budget for the repairs."
    )
    assert detect_language(mixed) == "en"


def test_cld2_is_not_upset_by_control_characters_or_lone_surrogates() -> None:
    text = "The council met on Tuesday \x00\x07 to talk about the \ud800 bridge and the river."
    assert detect_language(text) == "en"


def test_names_are_no_evidence_of_a_language() -> None:
    headline = (
        "Malagasy president Michael Randrianirina appoints Herintsalama Rajaonarivelo as prime "
        "minister after talks in Antananarivo with Andry Rajoelina and Marc Ravalomanana."
    )
    assert detect_language(headline) in ("en", "und")
