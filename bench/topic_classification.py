"""Topic classification's cost: time per article on one core, and the memory the model takes.

    .venv/bin/python -m bench.topic_classification   # memory only, in a fresh process

`classification_time` is called by `bench.suite` with its articles. The memory figure is taken
in a fresh process (`measure_memory`): resident memory after loading the shipped model and
classifying once, minus before, so nothing else the suite loaded counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.memory import rss_mb
from services.enrich.topicmodel import TopicClassifier, load_topic_model
from shared.schemas import RawArticle

ROOT = Path(__file__).resolve().parents[1]


def classification_time(articles: list[RawArticle], rounds: int = 3) -> dict[str, float]:
    """Milliseconds per article for `TopicClassifier.classify` (best of `rounds`)."""
    started = time.perf_counter()
    classifier = TopicClassifier(load_topic_model())
    load_s = time.perf_counter() - started
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for article in articles:
            classifier.classify(article.title, article.text)
        best = min(best, time.perf_counter() - started)
    return {"ms_per_article": 1000 * best / len(articles), "load_s": load_s}


def measure_memory() -> float:
    """MB of resident memory the loaded model adds, measured in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.topic_classification"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return float(json.loads(result.stdout.splitlines()[-1])["model_rss_mb"])


def main() -> None:
    """Print the resident memory the model adds to this fresh process."""
    before = rss_mb()
    classifier = TopicClassifier(load_topic_model())
    classifier.classify("Markets rally", "Shares rose after the central bank's decision.")
    print(json.dumps({"model_rss_mb": rss_mb() - before}))


if __name__ == "__main__":
    main()
