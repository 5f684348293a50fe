"""Enrichment of a batch of raw articles: the code path shared by the service and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from spacy.language import Language
from wordfreq import zipf_frequency

from services.enrich.boilerplate import MaskedSpan, find_boilerplate, mask
from services.enrich.casing import soften_shouting
from services.enrich.countries import CountryAliases, load_country_aliases
from services.enrich.entities import resolve_entities
from services.enrich.language import UNDETERMINED, detect_language
from services.enrich.nlp import ArticleText, mentions_of, model_ref, phrases_of
from services.enrich.topics import score_topics
from shared.schemas import EnrichedArticle, RawArticle

# The installed pipeline is English; other languages get their language marked and no
# entities or topics rather than the English model's guesses.
_MODEL_LANGUAGES = frozenset({"en", UNDETERMINED})


def _english_zipf(word: str) -> float:
    return float(zipf_frequency(word, "en"))


def prepare(article: RawArticle) -> tuple[ArticleText, int]:
    """The text as the model reads it, and where the body's lead paragraph ends."""
    boilerplate = find_boilerplate(article.text)
    body = soften_shouting(mask(article.text, boilerplate))
    title = soften_shouting(article.title) if article.title else None
    text = ArticleText(article.title, article.text, model_title=title, model_body=body)
    return text, _lead_end(article.text, boilerplate)


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
        self, nlp: Language, *, batch_size: int = 16, countries: CountryAliases | None = None
    ) -> None:
        self._nlp = nlp
        self._batch_size = batch_size
        self._countries = countries or load_country_aliases()
        self.model = model_ref(nlp)

    def enrich(self, articles: Sequence[RawArticle]) -> list[EnrichedArticle]:
        """Language, entities and topics for each article, in input order."""
        prepared = [prepare(article) for article in articles]
        languages = [detect_language(text.model_joined) for text, _ in prepared]
        modelled = [n for n, language in enumerate(languages) if language in _MODEL_LANGUAGES]
        docs = dict(
            zip(
                modelled,
                self._nlp.pipe(
                    (prepared[n][0].model_joined for n in modelled), batch_size=self._batch_size
                ),
                strict=True,
            )
        )
        now = datetime.now(UTC)
        enriched = []
        for n, article in enumerate(articles):
            text, lead_end = prepared[n]
            doc = docs.get(n)
            entities = (
                resolve_entities(
                    mentions_of(doc, text),
                    countries=self._countries,
                    body=article.text,
                    lead_end=lead_end,
                )
                if doc is not None
                else ()
            )
            topics = score_topics(phrases_of(doc, text), _english_zipf) if doc is not None else ()
            enriched.append(
                EnrichedArticle(
                    **article.model_dump(),
                    language=languages[n],
                    entities=entities,
                    topics=topics,
                    model=self.model,
                    enriched_at=now,
                )
            )
        return enriched
