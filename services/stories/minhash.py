"""Near-duplicate text: word-shingle sets compared through MinHash signatures.

A syndicated copy shares almost all of its 5-word shingles with the original, a rewrite of the
same event by another outlet almost none; so the Jaccard similarity of shingle sets tells
copies from rewrites. MinHash estimates it from 64 small numbers per text, and banding those
(16 bands of 4) finds candidate copies without comparing against every earlier article.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHINGLE_WORDS = 5
PERMUTATIONS = 64
BANDS = 16
_ROWS = PERMUTATIONS // BANDS
_PRIME = (1 << 61) - 1
_WORD = re.compile(r"\w+", re.UNICODE)


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


# Fixed (a, b) pairs for the universal hashes: derived from their index, so every process and
# every run computes the same signatures.
_COEFFICIENTS = tuple(
    (_hash64(f"a{n}".encode()) % (_PRIME - 1) + 1, _hash64(f"b{n}".encode()) % _PRIME)
    for n in range(PERMUTATIONS)
)


def shingles(text: str) -> set[int]:
    """Hashes of the text's overlapping 5-word sequences (case and punctuation ignored)."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < SHINGLE_WORDS:
        return {_hash64(" ".join(words).encode())} if words else set()
    return {
        _hash64(" ".join(words[n : n + SHINGLE_WORDS]).encode())
        for n in range(len(words) - SHINGLE_WORDS + 1)
    }


@dataclass(frozen=True, slots=True)
class Signature:
    """A text's MinHash signature."""

    values: tuple[int, ...]

    def similarity(self, other: Signature) -> float:
        """Estimated Jaccard similarity of the two texts' shingle sets."""
        same = sum(1 for a, b in zip(self.values, other.values, strict=True) if a == b)
        return same / PERMUTATIONS

    def bands(self) -> list[str]:
        """LSH band keys: two texts with Jaccard 0.8 share at least one with p > 0.99."""
        return [
            f"{band}:{_hash64(repr(self.values[band * _ROWS : (band + 1) * _ROWS]).encode()):x}"
            for band in range(BANDS)
        ]


def signature(text: str) -> Signature:
    """The MinHash signature of `text`."""
    hashed = shingles(text) or {0}
    return Signature(tuple(min((a * h + b) % _PRIME for h in hashed) for a, b in _COEFFICIENTS))
