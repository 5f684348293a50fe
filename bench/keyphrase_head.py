"""Benchmark: keyphrase quality and enrich CPU for several head lengths (`HEAD_TOKENS`).

The keyphrase tagger reads only each article's first `HEAD_TOKENS` tokens. For each length
given, every article of the pinned keyphrase sets (`evaluation/keyphrase-data`) goes through
`Enricher.enrich` as in `newswire evaluate --keyphrase-data`; printed are P/R/F1 at 5 and 10
per part (`tune`, `held-out`) and the process CPU time per article. One process, one warm-up
pass (untimed) at the default; with several rounds the order of lengths alternates. Pin it to
one core (`taskset -c 0`) on a quiet machine. The default is not changed by this script.

    taskset -c 0 .venv/bin/python -m bench.keyphrase_head var/keyphrase-data \
        [--head-tokens 100,150,200,300,100000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from evaluation.keyphrasedata import KeyedArticle, load_keyphrase_manifest, load_keyphrase_source
from newswire.evaluation import enrich_all, keyphrase_articles, keyphrase_reports, make_enricher
from services.enrich import nounphrases
from services.enrich.enricher import Enricher
from shared.schemas import EnrichedArticle, RawArticle


def _enrich(
    enricher: Enricher, articles: list[RawArticle], head_tokens: int
) -> tuple[list[EnrichedArticle], float]:
    """Every article enriched with the given head length, and the CPU seconds it took."""
    nounphrases.HEAD_TOKENS = head_tokens
    start = time.process_time()
    enriched = enrich_all(enricher, articles)
    return enriched, time.process_time() - start


def _figures(
    keyed: list[KeyedArticle], enriched: list[EnrichedArticle]
) -> dict[str, dict[str, float | int]]:
    """Keyphrase figures per part."""
    reports = keyphrase_reports("", keyed, enriched, ("tune", "held-out"))
    return {report.name: report.figures() for report in reports}


def main() -> None:
    """Measure each head length and print one JSON line per measurement."""
    from shared.settings import Settings

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("data", type=Path, help="folder with the keyphrase sets checked out")
    parser.add_argument("--head-tokens", default="100,150,200,300,100000")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    lengths = [int(v) for v in args.head_tokens.split(",")]
    default = nounphrases.HEAD_TOKENS
    enricher = make_enricher(Settings())
    keyed: list[KeyedArticle] = []
    articles: list[RawArticle] = []
    for source in load_keyphrase_manifest():
        items = load_keyphrase_source(source, args.data)
        keyed.extend(items)
        articles.extend(keyphrase_articles(source.name, items))
    _enrich(enricher, articles, default)  # warm-up
    for round_ in range(args.rounds):
        for head in lengths if round_ % 2 == 0 else lengths[::-1]:
            enriched, cpu = _enrich(enricher, articles, head)
            line = {
                "head_tokens": head,
                "round": round_,
                "articles": len(articles),
                "cpu_ms_per_article": round(1000 * cpu / len(articles), 2),
                **_figures(keyed, enriched),
            }
            print(json.dumps(line), flush=True)
    nounphrases.HEAD_TOKENS = default


if __name__ == "__main__":
    main()
