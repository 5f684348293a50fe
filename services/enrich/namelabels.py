"""The type a name has on its own, so an entity's key does not follow one text's label vote.

The model types a name from its context, and in one short text that context can mislead it
("Boko Haram" a person, "Kyiv" an organisation). The key must be the same in every article, so
its type comes from the name alone: the name read in a few fixed, neutral sentences, the
commonest type among the readings that take the whole name as one entity. Bare, a name often
gets no entity at all from the model; the sentences give it the context a name usually has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from spacy.tokens import Doc

# Neutral frames: a name bare, as an object and as a subject; the first reading that takes the
# name whole breaks a tie. Picked by reading names from the key-stability set's tuning half.
READINGS = ("{}", "{}.", "It was about {}.", "They spoke of {} again.", "{} was mentioned.")
# Read first: the frames with context, which find a name most often. When all of them give one
# label, it has a majority of all the readings.
_DECIDING = (2, 3, 4)
_OTHERS = tuple(n for n in range(len(READINGS)) if n not in _DECIDING)


def _decided(labels: Iterable[str | None]) -> bool:
    found = list(labels)
    return found[0] is not None and found.count(found[0]) == len(found) > len(READINGS) // 2


def voted_label(labels: Sequence[str | None]) -> str | None:
    """The commonest label among the readings that found one, the earliest on a tie."""
    votes = Counter(label for label in labels if label)
    if not votes:
        return None
    top = max(votes.values())
    return next(label for label in labels if label and votes[label] == top)


def whole_name_label(doc: Doc, name: str, named: frozenset[str]) -> str | None:
    """The label of the one named entity in `doc` whose text is `name`, if there is one."""
    labels = [ent.label_ for ent in doc.ents if ent.text == name and ent.label_ in named]
    return labels[0] if len(labels) == 1 else None


class NameLabels:
    """The voted label of each name, cached (names recur; the cache restarts when full)."""

    def __init__(
        self,
        pipe: Callable[[Iterable[str]], Iterable[Doc]],
        named: frozenset[str],
        capacity: int = 50_000,
    ) -> None:
        self._pipe = pipe
        self._named = named
        self._capacity = capacity
        self._labels: dict[str, str | None] = {}

    def __call__(self, names: Sequence[str]) -> dict[str, str | None]:
        """The type the model gives each name on its own (None when no reading finds it); the
        names not yet known are read in at most two passes of the model."""
        unknown = list(dict.fromkeys(name for name in names if name not in self._labels))
        if unknown:
            if len(self._labels) + len(unknown) > self._capacity:
                self._labels.clear()
            self._labels.update(self._read(unknown))
        return {name: self._labels[name] for name in names}

    def _read(self, names: list[str]) -> dict[str, str | None]:
        # Readings that agree on a label for a majority of the frames decide the vote
        # whatever the others say, so the rest are read only for names they leave open.
        labels: dict[str, list[str | None]] = {name: [None] * len(READINGS) for name in names}
        self._read_frames(names, _DECIDING, labels)
        open_names = [name for name in names if not _decided(labels[name][n] for n in _DECIDING)]
        if open_names:
            self._read_frames(open_names, _OTHERS, labels)
        return {name: voted_label(labels[name]) for name in names}

    def _read_frames(
        self, names: list[str], frames: Sequence[int], labels: dict[str, list[str | None]]
    ) -> None:
        texts = [READINGS[n].format(name) for name in names for n in frames]
        docs = iter(self._pipe(texts))
        for name in names:
            for n in frames:
                labels[name][n] = whole_name_label(next(docs), name, self._named)
