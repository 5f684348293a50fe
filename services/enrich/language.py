"""Which language an article is in (py3langid: a pinned model inside the package)."""

from __future__ import annotations

import py3langid

# Below this many letters the guess is noise ("Headline only"); such texts are marked
# undetermined ("und", ISO 639-2) and enriched with the installed English pipeline.
_MIN_LETTERS = 40
UNDETERMINED = "und"


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language, or "und" when it is too short to tell."""
    if sum(1 for ch in text if ch.isalpha()) < _MIN_LETTERS:
        return UNDETERMINED
    language, _ = py3langid.classify(text)
    return str(language)
