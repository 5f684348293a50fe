"""Enrichment of a batch of raw articles: the code path shared by the service and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from spacy.language import Language
from wordfreq import zipf_frequency

from services.enrich.entities import merge_mentions
from services.enrich.nlp import ArticleText, mentions_of, model_ref, phrases_of
from services.enrich.topics import score_topics
from shared.schemas import EnrichedArticle, RawArticle


def _english_zipf(word: str) -> float:
    return float(zipf_frequency(word, "en"))


class Enricher:
    """Runs the NLP pipeline over batches of articles. CPU-bound: call it off the event loop."""

    def __init__(self, nlp: Language, *, batch_size: int = 16) -> None:
        self._nlp = nlp
        self._batch_size = batch_size
        self.model = model_ref(nlp)

    def enrich(self, articles: Sequence[RawArticle]) -> list[EnrichedArticle]:
        """Entities and topics for each article, in input order."""
        texts = [ArticleText(a.title, a.text) for a in articles]
        docs = self._nlp.pipe((t.joined for t in texts), batch_size=self._batch_size)
        now = datetime.now(UTC)
        enriched = []
        for article, text, doc in zip(articles, texts, docs, strict=True):
            enriched.append(
                EnrichedArticle(
                    **article.model_dump(),
                    entities=merge_mentions(mentions_of(doc, text)),
                    topics=score_topics(phrases_of(doc, text), _english_zipf),
                    model=self.model,
                    enriched_at=now,
                )
            )
        return enriched
