"""Train the IPTC topic classifier shipped as `services/enrich/data/iptc_topic_model.json.gz`.

Reads the pinned public sources of `evaluation/topic-data/sources.json` from DATA (each
repository checked out at its commit into DATA/<name>/; the digests are checked), trains
multinomial logistic regression on the train split of every `train` source plus IPTC's own
concept definitions, fits the temperature on their dev split, prints the dev and test figures
and writes the artefact. The same data and the same pinned packages (the `train` extra) give
the same bytes: `--check` rebuilds and compares with the committed file.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python -m tools.train_topic_model --data var/topic-data [--check]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from evaluation.topicmetrics import Prediction, confusions, topic_figures
from evaluation.topicsources import (
    LabelledArticle,
    iptc_definitions,
    load_manifest,
    load_source,
)
from services.enrich.iptc import top_level_names
from services.enrich.topicfeatures import article_features
from services.enrich.topicmodel import (
    TopicClassifier,
    TopicModel,
    softmax,
    tfidf_vector,
    write_model,
)

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "services/enrich/data/iptc_topic_model.json.gz"
# A feature must occur in this many training documents to be kept.
MIN_DOCUMENT_FREQUENCY = 2
# Inverse regularisation strength; chosen on the dev split (3, 10, 30 tried: within 0.005).
C = 10.0
# IPTC definitions are few (1,085 for 17 topics) but the only examples some topics have.
DEFINITION_WEIGHT = 3.0
# Topics at this calibrated probability or more are reported; under it, only the first.
THRESHOLD = 0.35
# An English article of this many words always gets its most probable topic.
MIN_WORDS = 15
_TEMPERATURES = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))


def _matrix(
    articles: Sequence[LabelledArticle], index: dict[str, int], idf: np.ndarray
) -> sparse.csr_matrix:
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row, article in enumerate(articles):
        found, weights = tfidf_vector(article_features(article.title, article.text), index, idf)
        rows.extend([row] * len(found))
        columns.extend(found.tolist())
        values.extend(weights.tolist())
    return sparse.csr_matrix(
        (np.array(values, dtype=np.float64), (rows, columns)), shape=(len(articles), len(index))
    )


def _vocabulary(articles: Sequence[LabelledArticle]) -> tuple[list[str], np.ndarray]:
    frequency: Counter[str] = Counter()
    for article in articles:
        frequency.update(article_features(article.title, article.text).keys())
    vocabulary = sorted(f for f, n in frequency.items() if n >= MIN_DOCUMENT_FREQUENCY)
    documents = len(articles)
    # Smoothed IDF, as scikit-learn's TfidfVectorizer computes it.
    idf = np.array(
        [np.log((1 + documents) / (1 + frequency[f])) + 1 for f in vocabulary], dtype=np.float32
    )
    return vocabulary, idf


def _temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature with the least negative log-likelihood on held-out data."""
    best, best_loss = 1.0, float("inf")
    for temperature in _TEMPERATURES:
        probabilities = softmax(logits / temperature)
        loss = -float(np.mean(np.log(probabilities[np.arange(len(gold)), gold] + 1e-12)))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return round(best, 4)


def _predictions(
    classifier: TopicClassifier, articles: Sequence[LabelledArticle]
) -> list[Prediction]:
    return [
        Prediction.of(
            article.code,
            [(t.code, t.probability) for t in classifier.classify(article.title, article.text)],
        )
        for article in articles
    ]


def _report(name: str, classifier: TopicClassifier, articles: Sequence[LabelledArticle]) -> None:
    predictions = _predictions(classifier, articles)
    figures = topic_figures(predictions)
    print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    for gold, predicted, n in confusions(predictions, most=5):
        print(f"    {gold} -> {predicted}: {n}")


def train(data: Path) -> tuple[TopicModel, dict[str, list[LabelledArticle]]]:
    """The model, and the labelled sets it can be measured on (by name)."""
    sources = load_manifest()
    loaded = {source.name: load_source(source, data) for source in sources}
    roles = {source.name: source.role for source in sources}
    training = [a for name, items in loaded.items() if roles[name] == "train" for a in items]
    definitions = iptc_definitions()
    fit = [a for a in training if a.split == "train"] + definitions
    dev = [a for a in training if a.split == "dev"]
    codes = sorted(top_level_names())
    column = {code: n for n, code in enumerate(codes)}
    vocabulary, idf = _vocabulary(fit)
    index = {feature: n for n, feature in enumerate(vocabulary)}
    matrix = _matrix(fit, index, idf)
    gold = np.array([column[a.code] for a in fit])
    sample_weight = np.array(
        [DEFINITION_WEIGHT if a.source == "iptc-definitions" else 1.0 for a in fit]
    )
    regression = LogisticRegression(C=C, class_weight="balanced", max_iter=3000, tol=1e-6)
    regression.fit(matrix, gold, sample_weight=sample_weight)
    # Centred weights: the same probabilities, and each weight says how much a feature favours
    # a topic over the average topic (the evidence reported per article).
    weights = regression.coef_.T - regression.coef_.T.mean(axis=1, keepdims=True)
    bias = regression.intercept_ - regression.intercept_.mean()
    dev_logits = _matrix(dev, index, idf) @ weights + bias
    temperature = _temperature(dev_logits, np.array([column[a.code] for a in dev]))
    model = TopicModel(
        codes=tuple(codes),
        vocabulary=tuple(vocabulary),
        idf=idf,
        weights=weights.astype(np.float16).astype(np.float32),
        bias=bias.astype(np.float32),
        temperature=temperature,
        threshold=THRESHOLD,
        min_words=MIN_WORDS,
        provenance={
            "sources": [
                {
                    "name": s.name,
                    "repository": s.repository,
                    "commit": s.commit,
                    "sha256": s.sha256,
                    "licence": s.licence,
                    "role": s.role,
                }
                for s in sources
            ]
            + [{"name": "iptc-definitions", "role": "train", "licence": "CC BY 4.0"}],
            "training_articles": dict(sorted(Counter(a.code for a in fit).items())),
            "method": (
                "multinomial logistic regression (scikit-learn "
                f"{metadata.version('scikit-learn')}), C={C}, balanced class weights, "
                f"definitions weighted {DEFINITION_WEIGHT}; sublinear TF-IDF over words and "
                f"word pairs (document frequency >= {MIN_DOCUMENT_FREQUENCY}); temperature "
                "fitted on the dev split by log-likelihood"
            ),
        },
    )
    sets = {
        f"{name} (test split)": [a for a in loaded[name] if a.split == "test"]
        for name in loaded
        if roles[name] == "train"
    }
    sets |= {
        f"{name} (cross-source)": loaded[name] for name in loaded if roles[name] == "cross-source"
    }
    sets["dev split"] = dev
    return model, sets


def main(argv: Sequence[str] | None = None) -> int:
    """Train, report, and write (or `--check`) the artefact."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "var/topic-data")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output, write nothing")
    args = parser.parse_args(argv)
    # One BLAS thread: the same sums in the same order, so the same weights on every run.
    with threadpool_limits(limits=1):
        model, sets = train(args.data)
    classifier = TopicClassifier(model)
    print(f"vocabulary {len(model.vocabulary)}, temperature {model.temperature}")
    for name, articles in sets.items():
        _report(name, classifier, articles)
    raw = write_model(model)
    if args.check:
        same = args.output.exists() and args.output.read_bytes() == raw
        print("artefact identical" if same else f"artefact differs from {args.output}")
        return 0 if same else 1
    args.output.write_bytes(raw)
    print(f"wrote {args.output} ({len(raw):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
