"""How common a word is in general English (wordfreq, shipped with the package)."""

from __future__ import annotations

from wordfreq import zipf_frequency


def english_zipf(word: str) -> float:
    """Zipf frequency of `word` in English (wordfreq): 0 unseen, about 8 for "the"."""
    return float(zipf_frequency(word, "en"))
