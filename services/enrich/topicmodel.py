"""IPTC top-level topics from a trained linear classifier, with calibrated scores and evidence.

The model is multinomial logistic regression over TF-IDF weighted words and word pairs
(`topicfeatures`), trained on public human-labelled news by `tools/train_topic_model.py` and
shipped in `data/` (no download at run time). Its raw probabilities are divided by a
temperature fitted on held-out data (temperature scaling, Guo et al. 2017), so a topic's score
is the probability that it is the article's topic: of topics scored 0.7, about 70 % are right.

Which topics are reported: every topic with a calibrated probability of at least the model's
`threshold` (at most `MAX_TOPICS`); an article of `min_words` words or more always gets its
most probable topic, whatever its score. Evidence for a topic is the article's features that
pushed it most: weight × value, with each feature's weights centred across topics (softmax
does not change when the same number is added to every topic), so a positive contribution
means the word favours this topic over the average one.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from services.enrich.topicfeatures import FeatureUse, article_features, word_count

MODEL_RESOURCE = "data/iptc_topic_model.json.gz"
FORMAT = 1
MAX_TOPICS = 3
MAX_EVIDENCE = 5

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class EvidenceScore:
    """A feature of the article and how much it pushed one topic."""

    text: str
    count: int
    weight: float


@dataclass(frozen=True, slots=True)
class TopicScore:
    """One topic of an article: IPTC code, calibrated probability, strongest evidence first."""

    code: str
    probability: float
    evidence: tuple[EvidenceScore, ...]


def _encode(array: npt.NDArray[Any]) -> dict[str, Any]:
    return {
        "dtype": str(array.dtype),
        "shape": list(array.shape),
        "data": base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii"),
    }


def _decode(item: Mapping[str, Any]) -> npt.NDArray[Any]:
    raw = base64.b64decode(item["data"])
    return np.frombuffer(raw, dtype=np.dtype(item["dtype"])).reshape(item["shape"])


def tfidf_vector(
    features: Mapping[str, FeatureUse], index: Mapping[str, int], idf: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Known features' indices and their L2-normalised sublinear TF-IDF values."""
    known = [(index[f], use.count) for f, use in features.items() if f in index]
    if not known:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    rows = np.fromiter((row for row, _ in known), dtype=np.int64, count=len(known))
    counts = np.fromiter((count for _, count in known), dtype=np.float32, count=len(known))
    values: FloatArray = ((1.0 + np.log(counts)) * idf[rows]).astype(np.float32)
    norm = float(np.linalg.norm(values))
    return rows, (values / np.float32(norm)) if norm else values


def softmax(logits: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
    """Softmax over the last axis, stable for large logits."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted.astype(np.float64))
    return exp / exp.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class TopicModel:
    """A trained topic classifier: vocabulary, IDF, centred weights, calibration, thresholds."""

    codes: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: FloatArray
    weights: FloatArray
    """Features × topics, centred across topics."""
    bias: FloatArray
    temperature: float
    threshold: float
    min_words: int
    provenance: Mapping[str, Any]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> TopicModel:
        """The model from its stored form (see `to_document`)."""
        if document.get("format") != FORMAT:
            msg = f"topic model format {document.get('format')!r} is not {FORMAT}"
            raise ValueError(msg)
        return cls(
            codes=tuple(document["codes"]),
            vocabulary=tuple(document["vocabulary"]),
            idf=_decode(document["idf"]).astype(np.float32),
            weights=_decode(document["weights"]).astype(np.float32),
            bias=_decode(document["bias"]).astype(np.float32),
            temperature=float(document["temperature"]),
            threshold=float(document["threshold"]),
            min_words=int(document["min_words"]),
            provenance=document["provenance"],
        )

    def to_document(self) -> dict[str, Any]:
        """A JSON-able form; weights are kept as float16 (the artefact is small, the loss nil)."""
        return {
            "format": FORMAT,
            "codes": list(self.codes),
            "vocabulary": list(self.vocabulary),
            "idf": _encode(self.idf.astype(np.float32)),
            "weights": _encode(self.weights.astype(np.float16)),
            "bias": _encode(self.bias.astype(np.float32)),
            "temperature": self.temperature,
            "threshold": self.threshold,
            "min_words": self.min_words,
            "provenance": dict(self.provenance),
        }


class TopicClassifier:
    """Scores articles with a `TopicModel`; pure computation, safe to share between threads."""

    def __init__(self, model: TopicModel) -> None:
        self.model = model
        self._index = {feature: n for n, feature in enumerate(model.vocabulary)}

    def probabilities(self, title: str | None, body: str) -> npt.NDArray[np.float64]:
        """Calibrated probability of every topic (in `model.codes` order)."""
        return self._scored(title, body)[3]

    def _scored(
        self, title: str | None, body: str
    ) -> tuple[dict[str, FeatureUse], IntArray, FloatArray, npt.NDArray[np.float64]]:
        features = article_features(title, body, self._index)
        rows, values = tfidf_vector(features, self._index, self.model.idf)
        logits = self.model.bias + values @ self.model.weights[rows]
        return features, rows, values, softmax(logits / self.model.temperature)

    def classify(self, title: str | None, body: str) -> list[TopicScore]:
        """The topics to report for an article, most probable first, each with its evidence."""
        model = self.model
        features, rows, values, probabilities = self._scored(title, body)
        # Counted only as far as the minimum it is compared with.
        words = word_count(title or "", model.min_words) + word_count(body, model.min_words)
        chosen = choose_topics(probabilities, model.threshold, model.min_words, words)
        if not chosen:
            return []
        names = [model.vocabulary[row] for row in rows]
        contributions = model.weights[rows] * values[:, None]
        return [
            TopicScore(
                code=model.codes[topic],
                probability=float(probabilities[topic]),
                evidence=_evidence(contributions[:, topic], names, features),
            )
            for topic in chosen
        ]


def choose_topics(
    probabilities: Sequence[float] | npt.NDArray[np.float64],
    threshold: float,
    min_words: int,
    words: int,
) -> list[int]:
    """Indices of the topics to report: those at `threshold` or more (at most `MAX_TOPICS`),
    else the most probable one if the article has `min_words` words or more."""
    ranked = sorted(range(len(probabilities)), key=lambda n: (-probabilities[n], n))
    chosen = [n for n in ranked[:MAX_TOPICS] if probabilities[n] >= threshold]
    if not chosen and ranked and words >= min_words:
        chosen = ranked[:1]
    return chosen


def _evidence(
    contributions: FloatArray, names: Sequence[str], features: Mapping[str, FeatureUse]
) -> tuple[EvidenceScore, ...]:
    order = np.argsort(-contributions, kind="stable")[:MAX_EVIDENCE]
    return tuple(
        EvidenceScore(
            text=features[names[n]].surface,
            count=features[names[n]].uses,
            weight=round(float(contributions[n]), 4),
        )
        for n in order
        if contributions[n] > 0
    )


def read_model(raw: bytes) -> TopicModel:
    """A model from the bytes of its gzipped JSON file."""
    return TopicModel.from_document(json.loads(gzip.decompress(raw)))


def write_model(model: TopicModel) -> bytes:
    """The gzipped JSON bytes of a model, the same bytes for the same model (mtime 0)."""
    text = json.dumps(model.to_document(), sort_keys=True, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def load_topic_model() -> TopicModel:
    """The model shipped with the package."""
    data = resources.files("services.enrich").joinpath(MODEL_RESOURCE)
    return read_model(data.read_bytes())
