"""Benchmark: enrichment against raw spaCy NER, on one core and on two.

In one run, over the same articles, with the same model and batch size:

1. raw NER: `nlp.pipe` over each article's title and text with only what NER needs (tok2vec
   and ner; the limit), and with the model's whole pipeline (parser, tagger, lemmatiser...);
2. enrichment: `Enricher.enrich`, the service's code path (boilerplate, language, NER,
   entity resolution, IPTC topics, keyphrases);
3. enrichment in two processes, each taking half the articles (as two replicas in the consumer
   group do), with their results compared to (2).

Rounds of (1) and (2) alternate and the best of each is kept, so drift on a shared machine hits
all alike. The articles are `seeds/` plus the synthetic gold set (`evaluation/gold/`), repeated
to the requested count.

    .venv/bin/python -m bench.enrich_throughput [--articles 370] [--rounds 3]

Pin (1) and (2) to one core with `taskset -c 0`; (3) then needs `taskset -c 0,1`, so run it
unpinned (the default) to see two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import spacy
from spacy.language import Language

from evaluation.enrichment import load_gold
from services.enrich.enricher import Enricher
from services.enrich.nlp import ArticleText, load_pipeline
from shared.schemas import EnrichedArticle, RawArticle
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def benchmark_articles(count: int) -> list[RawArticle]:
    """Seeds and synthetic gold articles, cycled to `count`."""
    gold = ROOT / "evaluation" / "gold"
    pool = [
        g.article for path in sorted(gold.glob("*.jsonl")) for g in load_gold(path, ROOT / "seeds")
    ]
    return [pool[n % len(pool)] for n in range(count)]


def raw_pipelines(name: str) -> dict[str, Language]:
    """The model as raw NER runs it: only what NER needs, and everything it has."""
    ner_only = spacy.load(name)
    ner_only.select_pipes(enable=["tok2vec", "ner"])
    return {"tok2vec+ner": ner_only, "full pipeline": spacy.load(name)}


def _words(articles: list[RawArticle]) -> int:
    return sum(len(f"{a.title or ''} {a.text}".split()) for a in articles)


def _comparable(article: EnrichedArticle) -> str:
    return article.model_dump_json(include={"id", "language", "entities", "topics", "keyphrases"})


def _enrich_part(articles: list[RawArticle]) -> tuple[float, list[str]]:
    settings = Settings()
    enricher = Enricher(load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size)
    started = time.perf_counter()
    results = _enrich_all(enricher, articles, settings.enrich_batch_size)
    return time.perf_counter() - started, [_comparable(a) for a in results]


def _enrich_all(
    enricher: Enricher, articles: list[RawArticle], batch: int
) -> list[EnrichedArticle]:
    # Batches as the service gets them from the stream.
    return [
        a for n in range(0, len(articles), batch) for a in enricher.enrich(articles[n : n + batch])
    ]


def main() -> None:
    """Run the three measurements and print a table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=370)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    settings = Settings()
    batch = settings.enrich_batch_size
    articles = benchmark_articles(args.articles)
    enricher = Enricher(load_pipeline(settings.spacy_model), batch_size=batch)
    raws = raw_pipelines(settings.spacy_model)
    texts = [ArticleText(a.title, a.text).joined for a in articles]
    _enrich_all(enricher, articles[:batch], batch)  # warm-up: first-call costs out of the timing
    for nlp in raws.values():
        for _doc in nlp.pipe(texts[:batch], batch_size=batch):
            pass

    raw_s: dict[str, list[float]] = {name: [] for name in raws}
    enrich_s = []
    single: list[EnrichedArticle] = []
    for _ in range(args.rounds):
        for name, nlp in raws.items():
            started = time.perf_counter()
            for _doc in nlp.pipe(texts, batch_size=batch):
                pass
            raw_s[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        single = _enrich_all(enricher, articles, batch)
        enrich_s.append(time.perf_counter() - started)

    half = len(articles) // 2
    with ProcessPoolExecutor(max_workers=2) as pool:
        started = time.perf_counter()
        parts = list(pool.map(_enrich_part, [articles[:half], articles[half:]]))
        two_s = time.perf_counter() - started
    two_results = parts[0][1] + parts[1][1]
    same = two_results == [_comparable(a) for a in single]
    # Each worker loads the model before its clock starts; wall time includes that load.
    two_busy_s = max(part[0] for part in parts)

    n, words = len(articles), _words(articles)
    raw_rate, full_rate = n / min(raw_s["tok2vec+ner"]), n / min(raw_s["full pipeline"])
    enrich_rate = n / min(enrich_s)
    figures = {
        "benchmark": "enrich_throughput",
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "articles": n,
        "words": words,
        "batch_size": batch,
        "model": f"{enricher.model.name} {enricher.model.version}",
        "raw_ner_articles_per_s": round(raw_rate, 2),
        "raw_ner_words_per_s": round(words * raw_rate / n, 0),
        "raw_full_pipeline_articles_per_s": round(full_rate, 2),
        "enrich_articles_per_s": round(enrich_rate, 2),
        "enrich_vs_raw": round(enrich_rate / raw_rate, 3),
        "enrich_vs_raw_full_pipeline": round(enrich_rate / full_rate, 3),
        "two_process_articles_per_s": round(n / two_busy_s, 2),
        "two_process_wall_s_with_model_load": round(two_s, 2),
        "two_process_scaling": round((n / two_busy_s) / enrich_rate, 3),
        "two_process_results_identical": same,
    }
    print(
        f"{n} articles ({words} words), batch {batch}, {figures['model']}, "
        f"{figures['usable_cores']} of {figures['cores']} cores usable"
    )
    print(f"raw NER (tok2vec+ner){raw_rate:8.2f} articles/s  {words * raw_rate / n:9.0f} words/s")
    print(f"raw full pipeline    {full_rate:8.2f} articles/s  {words * full_rate / n:9.0f} words/s")
    print(
        f"enrichment, 1 proc   {enrich_rate:8.2f} articles/s  ({enrich_rate / raw_rate:.1%} of raw "
        f"NER, {enrich_rate / full_rate:.1%} of the full pipeline)"
    )
    print(
        f"enrichment, 2 procs  {n / two_busy_s:8.2f} articles/s  "
        f"(x{(n / two_busy_s) / enrich_rate:.2f}; results identical: {same})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
