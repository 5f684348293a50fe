"""Public news articles with the keyphrases people chose for them.

`evaluation/keyphrase-data/sources.json` pins each source (repository, commit, files, SHA-256,
licence; see `evaluation/keyphrase-data/README.md`). The articles are their publishers' text:
they are read from a local checkout of the pinned repository, never copied into this one.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from evaluation.nerdata import Part, half_of
from evaluation.topicsources import Source, SourceError, load_manifest, pinned_files_in

KEYPHRASE_DATA = Path(__file__).resolve().parent / "keyphrase-data"
_DOCS = "docsutf8/"
_KEYS = "keys/"


@dataclass(frozen=True, slots=True)
class KeyedArticle:
    """One article: its headline, its text and the keyphrases its annotators chose."""

    id: str
    title: str
    text: str
    keyphrases: tuple[str, ...]

    @property
    def part(self) -> Part:
        """`tune` (settings are chosen on it) or `held-out` (only reported), split as the NER
        sets are."""
        return half_of(self.id)


def load_keyphrase_manifest(path: Path = KEYPHRASE_DATA / "sources.json") -> list[Source]:
    """The pinned keyphrase sources."""
    return load_manifest(path)


def load_keyphrase_source(source: Source, data: Path) -> list[KeyedArticle]:
    """Every article of a source, read from `data/<name>/` after checking its digest."""
    articles: list[KeyedArticle] = []
    for path in pinned_files_in(source, data, "kpcrowd-zip"):
        with zipfile.ZipFile(path) as archive:
            articles.extend(read_kpcrowd(archive))
    return articles


def read_kpcrowd(archive: zipfile.ZipFile) -> list[KeyedArticle]:
    """500N-KPCrowd's layout: `docsutf8/ID.txt` (headline on the first line, then the text)
    and `keys/ID.key` (one keyphrase a line), in id order; an item with a headline and no
    text is left out."""
    names = set(archive.namelist())
    articles = []
    for name in sorted(names):
        folder, _, file = name.rpartition("/")
        if not (folder.endswith(_DOCS.rstrip("/")) and file.endswith(".txt")):
            continue
        doc_id = file.removesuffix(".txt")
        key_name = f"{folder.removesuffix(_DOCS.rstrip('/'))}{_KEYS}{doc_id}.key"
        if key_name not in names:
            msg = f"{name} has no keyphrase file {key_name}"
            raise SourceError(msg)
        raw = archive.read(name).decode("utf-8").replace("\r\n", "\n")
        title, _, text = raw.strip().partition("\n")
        if not text.strip():  # a headline alone: the article itself is not in the corpus
            continue
        keys = archive.read(key_name).decode("utf-8").splitlines()
        phrases = tuple(dict.fromkeys(k.strip() for k in keys if k.strip()))
        articles.append(KeyedArticle(doc_id, title.strip(), text.strip(), phrases))
    return articles
