"""Benchmark: where the enrich worker's memory goes, step by step in one process.

Each step is taken in the order the worker takes it, and its resident memory (VmRSS) is
printed with the growth since the step before; the last line is the peak (VmHWM).

    .venv/bin/python -m bench.enrich_memory [--articles 370] [--batch 16]
"""

from __future__ import annotations

import argparse
import importlib
import json

from bench.memory import peak_rss_mb, rss_mb


def main() -> None:
    """Measure each step and print a table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=370)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    steps: list[tuple[str, float]] = [("interpreter", rss_mb())]

    def step(name: str) -> None:
        steps.append((name, rss_mb()))

    # The worker's own modules: FastStream, redis, pydantic, spaCy and the enricher's code.
    for module in ("services.enrich.app", "services.enrich.enricher", "bench.enrich_throughput"):
        importlib.import_module(module)
    step("imports (spaCy, FastStream, redis, pydantic, enrich code)")
    from bench.enrich_throughput import _enrich_all, benchmark_articles
    from services.enrich.enricher import Enricher
    from services.enrich.language import detect_language
    from services.enrich.nlp import load_pipeline
    from services.enrich.topicmodel import TopicClassifier, load_topic_model
    from shared.settings import Settings

    nlp = load_pipeline(Settings().spacy_model)
    step("spaCy model (ner, tok2vec, tagger, lemmatiser tables)")
    detect_language("The council voted on Tuesday to repair the old bridge over the river.")
    step("language detector (CLD2)")
    topics = TopicClassifier(load_topic_model())
    step("topic model")
    enricher = Enricher(nlp, batch_size=args.batch, topics=topics)
    step("enricher (country aliases, IPTC names)")
    articles = benchmark_articles(args.articles)
    _enrich_all(enricher, articles[: args.batch], args.batch)
    step("first batch enriched")
    _enrich_all(enricher, articles, args.batch)
    step(f"{len(articles)} articles enriched")
    peak = peak_rss_mb()

    previous = 0.0
    for name, mb in steps:
        print(f"{name:58s} {mb:7.0f} MB  {mb - previous:+6.0f}")
        previous = mb
    print(f"{'peak (VmHWM)':58s} {peak:7.0f} MB")
    print(json.dumps({"benchmark": "enrich_memory", "steps_mb": dict(steps), "peak_mb": peak}))


if __name__ == "__main__":
    main()
