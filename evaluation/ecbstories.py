"""Full-text news labelled by event, from the ECB+ corpus (Cybulska and Vossen, 2014).

ECB+ has 43 topics (a kind of event: a celebrity entering rehab, an earthquake, a murder…),
each with two seminal events of that kind reported by several outlets: the original ECB
documents (`N_Mecb.xml`) about one and the added ECB+ documents (`N_Mecbplus.xml`) about
another (Tara Reid entering rehab in 2008, Lindsay Lohan in 2013). An article's gold story is
its topic and half, so every story has a look-alike. The files are tokenised; tokens are
joined back into text, the first sentence is the headline (a leading URL, which ECB+ documents
start with, is dropped). The corpus gives no dates, so the articles arrive in an order fixed
by a hash of their file names, all at ingest time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

_NAME = re.compile(r"^(\d+)_(\d+)(ecb|ecbplus)\.xml$")
_NO_SPACE_BEFORE = re.compile(r" (?=[.,;:!?%)\]}]|'s\b|n't\b|'re\b|'ll\b|'ve\b|'d\b|'m\b)")
_NO_SPACE_AFTER = re.compile(r"(?<=[(\[{$]) ")
_QUOTES = re.compile(r"``|''")


def is_document(path: Path) -> bool:
    """Whether `path` is one of the corpus's documents (not a folder's stray file)."""
    return _NAME.match(path.name) is not None


def topic_of(path: Path) -> int:
    """The topic number of a document."""
    found = _NAME.match(path.name)
    return int(found.group(1)) if found else 0


def _sentences(path: Path) -> list[str]:
    sentences: dict[int, list[str]] = {}
    for token in ElementTree.parse(path).getroot().iter("token"):  # noqa: S314 - pinned corpus
        sentences.setdefault(int(token.get("sentence", "0")), []).append(token.text or "")
    joined = []
    for number in sorted(sentences):
        text = _QUOTES.sub('"', " ".join(sentences[number]))
        joined.append(_NO_SPACE_AFTER.sub("", _NO_SPACE_BEFORE.sub("", text)).strip())
    if joined and joined[0].startswith("http"):
        joined = joined[1:]
    return [s for s in joined if s]


def story_stream(documents: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Gold lines (see `evaluation.stories`) for `documents`, in the corpus's fixed order."""
    ordered = sorted(
        (p for p in documents if is_document(p)),
        key=lambda p: hashlib.sha256(p.name.encode()).hexdigest(),
    )
    for path in ordered:
        found = _NAME.match(path.name)
        assert found is not None  # filtered above
        sentences = _sentences(path)
        if not sentences:
            continue
        yield {
            "id": f"ecbplus-{path.stem}",
            "story": f"{found.group(1)}-{found.group(3)}",
            "duplicate_of": None,
            "title": sentences[0],
            "text": " ".join(sentences[1:]) or sentences[0],
        }
