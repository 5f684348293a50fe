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

import numpy as np

SHINGLE_WORDS = 5
# Below this many words two texts can agree by chance (a teaser, "Read more…"), not by copying.
MIN_WORDS = 25
PERMUTATIONS = 64
BANDS = 16
_ROWS = PERMUTATIONS // BANDS
# The largest prime below 2³²: a·h + b (a, b below it, h a 32-bit hash) fits in 64 bits, so
# numpy's unsigned arithmetic is exact, and the modulus mixes every bit of the product.
_PRIME = 4_294_967_291
_WORD = re.compile(r"\w+", re.UNICODE)


def _hash(data: bytes, size: int) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=size).digest(), "big")


# Fixed (a, b) pairs for the universal hashes (a·h + b) mod p over 32-bit shingle hashes,
# derived from their index, so every process computes the same signatures.
_A = np.array(
    [_hash(f"a{n}".encode(), 4) % (_PRIME - 1) + 1 for n in range(PERMUTATIONS)], dtype=np.uint64
)
_B = np.array([_hash(f"b{n}".encode(), 4) % _PRIME for n in range(PERMUTATIONS)], dtype=np.uint64)


def shingles(text: str) -> set[int]:
    """32-bit hashes of the text's overlapping 5-word sequences (case, punctuation ignored)."""
    words = [w.casefold() for w in _WORD.findall(text)]
    return {
        _hash(" ".join(words[n : n + SHINGLE_WORDS]).encode(), 4)
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
            f"{band}:{_hash(repr(self.values[band * _ROWS : (band + 1) * _ROWS]).encode(), 8):x}"
            for band in range(BANDS)
        ]

    def hex(self) -> str:
        """The signature as text (16 hex digits a value), for storing it."""
        return "".join(f"{v:016x}" for v in self.values)

    @classmethod
    def from_hex(cls, text: str) -> Signature:
        """The signature `hex` wrote."""
        return cls(tuple(int(text[n : n + 16], 16) for n in range(0, len(text), 16)))


def signature(text: str) -> Signature | None:
    """The MinHash signature of `text`; None when it is too short to tell a copy by."""
    if len(_WORD.findall(text)) < MIN_WORDS:
        return None
    hashed = np.fromiter(shingles(text), dtype=np.uint64)
    # One row per permutation, one column per shingle; the minimum of each row is its value.
    table = (np.outer(_A, hashed) + _B[:, None]) % np.uint64(_PRIME)
    return Signature(tuple(int(v) for v in table.min(axis=1)))
