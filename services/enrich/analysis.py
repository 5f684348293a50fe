"""A batch of raw articles to enriched ones: copies found first, only originals go through NLP.

The service and the evaluation harness both run `analyse`; they differ only in the copy index
(Redis, shared by replicas, or memory) and in how the NLP is called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import anyio

from services.enrich.copies import CopyIndex, as_copy
from services.enrich.minhash import signature
from shared.schemas import EnrichedArticle, RawArticle

Nlp = Callable[[list[RawArticle]], Awaitable[list[EnrichedArticle]]]
"""Enriches articles with the NLP pipeline (off the event loop), one result per article."""


async def analyse(
    articles: Sequence[RawArticle], index: CopyIndex, nlp: Nlp
) -> list[EnrichedArticle]:
    """Enrich `articles` (in arrival order); a copy whose original's enrichment is at hand
    reuses it instead of running the NLP, and every copy names its original."""
    signatures = await anyio.to_thread.run_sync(lambda: [signature(a.text) for a in articles])
    # Too short to tell a copy by: an original, never registered.
    signed = [
        (a.id, body) for a, body in zip(articles, signatures, strict=True) if body is not None
    ]
    found = iter(await index.check_all(signed) if signed else [])
    matches = [None if body is None else next(found) for body in signatures]
    # An original is lent to its copies if it is in this batch (enriched below) or kept.
    lenders = {a.id for a, m in zip(articles, matches, strict=True) if m is None}
    kept: dict[str, EnrichedArticle] = {}
    for original_id in {m.original_id for m in matches if m is not None} - lenders:
        if (original := await index.enrichment_of(original_id)) is not None:
            kept[original_id] = original
    lenders |= kept.keys()
    needs_nlp = [
        a
        for a, m in zip(articles, matches, strict=True)
        if m is None or m.original_id not in lenders
    ]
    enriched = {e.id: e for e in await nlp(needs_nlp)} if needs_nlp else {}
    await index.remember_all(
        [enriched[a.id] for a, m in zip(articles, matches, strict=True) if m is None]
    )
    results = []
    for article, match in zip(articles, matches, strict=True):
        if match is None:
            results.append(enriched[article.id])
        elif article.id in enriched:
            # Its original's enrichment was not at hand: enriched itself, still named a copy.
            results.append(
                enriched[article.id].model_copy(
                    update={
                        "duplicate_of": match.original_id,
                        "duplicate_similarity": match.similarity,
                    }
                )
            )
        else:
            original = kept.get(match.original_id) or enriched[match.original_id]
            results.append(as_copy(article, original, match, datetime.now(UTC)))
    return results
