"""Enrichment of a batch of raw articles: the code path shared by the service and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from spacy.language import Language
from spacy.tokens import Doc

from services.enrich.boilerplate import MaskedSpan, dateline_places, find_boilerplate, mask
from services.enrich.casing import lower_case_words, model_case_title, soften_shouting
from services.enrich.countries import CountryAliases, load_country_aliases
from services.enrich.entities import resolve_entities
from services.enrich.iptc import top_level_names
from services.enrich.keyphrases import score_keyphrases
from services.enrich.language import UNDETERMINED, detect_language
from services.enrich.namelabels import NameLabels
from services.enrich.namespans import completed_names
from services.enrich.nlp import NAMED_LABELS, ArticleText, mentions_of, model_ref
from services.enrich.nounphrases import HeadTagger, phrases_of
from services.enrich.topicmodel import TopicClassifier, TopicScore, load_topic_model
from shared.english import english_zipf
from shared.schemas import (
    EnrichedArticle,
    Entity,
    Keyphrase,
    RawArticle,
    Topic,
    TopicEvidence,
)

# The installed pipeline is English; other languages get their language marked and no
# entities, topics or keyphrases rather than the English model's guesses.
_MODEL_LANGUAGES = frozenset({"en", UNDETERMINED})


class _Annotations(NamedTuple):
    entities: tuple[Entity, ...]
    topics: tuple[Topic, ...]
    keyphrases: tuple[Keyphrase, ...]


_NOTHING_FOUND = _Annotations((), (), ())
# Names whose own reading is kept (a few MB at most).
_NAME_CACHE = 50_000
_NER_COMPONENTS = frozenset({"tok2vec", "ner"})


# Zipf 3 is once per million words: "coastal", "turnout"; rarer words may well be names.
_COMMON_ZIPF = 3.0


def _common_word(word: str) -> bool:
    return english_zipf(word) >= _COMMON_ZIPF


class Prepared(NamedTuple):
    """An article made ready for the model, with what enrichment needs to know of its layout."""

    text: ArticleText
    lead_end: int
    """Where the body's lead paragraph ends."""
    dateline_places: tuple[tuple[int, int], ...]
    """Offsets of the dateline's place (and its region) in the body, if it has a dateline."""


def prepare(article: RawArticle) -> Prepared:
    """The text as the model reads it (boilerplate blanked, headline case undone) and its
    layout."""
    boilerplate = find_boilerplate(article.text)
    lower_words = lower_case_words(article.text)
    body = soften_shouting(mask(article.text, boilerplate), lower_words)
    title = model_case_title(article.title, lower_words) if article.title else None
    text = ArticleText(article.title, article.text, model_title=title, model_body=body)
    return Prepared(text, _lead_end(article.text, boilerplate), dateline_places(article.text))


def _lead_end(body: str, boilerplate: list[MaskedSpan]) -> int:
    masked = {span.start for span in boilerplate}
    position = 0
    for line in body.split("\n"):
        if line.strip() and position not in masked:
            return position + len(line)
        position += len(line) + 1
    return 0


class Enricher:
    """Runs the NLP pipeline over batches of articles. CPU-bound: call it off the event loop."""

    def __init__(
        self,
        nlp: Language,
        *,
        batch_size: int = 16,
        countries: CountryAliases | None = None,
        topics: TopicClassifier | None = None,
    ) -> None:
        self.nlp = nlp
        """The spaCy pipeline (the evaluation runs it alone, as the raw model)."""
        self._batch_size = batch_size
        self._countries = countries or load_country_aliases()
        self._topics = topics or TopicClassifier(load_topic_model())
        self._topic_names = top_level_names()
        self.model = model_ref(nlp)
        self._head_tagger = HeadTagger(nlp)
        # A name's readings need only the entity recogniser (it has its own vector layer).
        others = [name for name in nlp.pipe_names if name not in _NER_COMPONENTS]
        self._name_labels = NameLabels(
            lambda texts: nlp.pipe(texts, disable=others), NAMED_LABELS, _NAME_CACHE
        )

    def enrich(self, articles: Sequence[RawArticle]) -> list[EnrichedArticle]:
        """Language, entities, topics and keyphrases for each article, in input order."""
        prepared = [prepare(article) for article in articles]
        languages = [detect_language(p.text.model_joined) for p in prepared]
        modelled = [n for n, language in enumerate(languages) if language in _MODEL_LANGUAGES]
        texts = [prepared[n].text.model_joined for n in modelled]
        docs = list(self.nlp.pipe(texts, batch_size=self._batch_size))
        heads = self._head_tagger.heads(zip(texts, docs, strict=True), self._batch_size)
        read = dict(zip(modelled, zip(docs, heads, strict=True), strict=True))
        now = datetime.now(UTC)
        enriched = []
        for n, article in enumerate(articles):
            found = self._annotate(*read[n], prepared[n], article) if n in read else _NOTHING_FOUND
            enriched.append(
                EnrichedArticle(
                    **article.model_dump(),
                    language=languages[n],
                    entities=found.entities,
                    topics=found.topics,
                    keyphrases=found.keyphrases,
                    model=self.model,
                    enriched_at=now,
                )
            )
        return enriched

    def _annotate(
        self, doc: Doc, head: Doc, prepared: Prepared, article: RawArticle
    ) -> _Annotations:
        text = prepared.text
        names = completed_names(doc, _common_word, self._is_country)
        return _Annotations(
            entities=resolve_entities(
                mentions_of(doc, names, text),
                countries=self._countries,
                body=article.text,
                lead_end=prepared.lead_end,
                common=_common_word,
                name_labels=self._name_labels,
                dateline=prepared.dateline_places,
            ),
            # The body as the model reads it (boilerplate blanked); the headline as written.
            topics=tuple(
                self._as_topic(score)
                for score in self._topics.classify(article.title, text.model_body or "")
            ),
            keyphrases=score_keyphrases(
                phrases_of(head, text.joined, text.body_start, self._head_tagger), english_zipf
            ),
        )

    def _is_country(self, name: str) -> bool:
        return self._countries.lookup(name, "GPE") is not None

    def _as_topic(self, score: TopicScore) -> Topic:
        label = self._topic_names[score.code]
        return Topic(
            code=score.code,
            label=label,
            score=round(score.probability, 3),
            evidence=tuple(
                TopicEvidence(
                    text=e.text,
                    count=e.count,
                    concept=label,
                    concept_code=score.code,
                    weight=e.weight,
                )
                for e in score.evidence
            ),
        )
