"""De-duplication and revisions: has this article been published, and has it changed since?"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from shared.ids import content_fingerprint, tell_apart
from shared.schemas import RawArticle


@dataclass(frozen=True, slots=True)
class Seen:
    """What was last published under an article id: its revision and content fingerprint."""

    revision: int
    fingerprint: str

    def encode(self) -> str:
        """The ledger's stored form."""
        return f"{self.revision}:{self.fingerprint}"

    @classmethod
    def decode(cls, raw: str) -> Seen:
        """The inverse of `encode`."""
        revision, _, fingerprint = raw.partition(":")
        return cls(int(revision), fingerprint)


def fingerprint(article: RawArticle) -> str:
    """The content a revision is measured by (title and text)."""
    return content_fingerprint(article.title, article.text)


def next_revision(seen: Seen | None, fingerprint_: str, *, republish: bool = False) -> int | None:
    """1 for a new article, one more for a changed one, None for one already published as is.

    With `republish` (an explicit replay) an unchanged article goes out again as the same
    revision, which consumers treat as a duplicate delivery.
    """
    if seen is None:
        return 1
    if seen.fingerprint != fingerprint_:
        return seen.revision + 1
    return seen.revision if republish else None


def tell_apart_repeats(articles: Sequence[RawArticle]) -> list[RawArticle]:
    """One article per id within one source: exact repeats collapse, different ones split.

    Some feeds give several different entries the same GUID; each gets an id derived from the
    shared one and its link (or, without one, its content), so none hides another.
    """
    groups: defaultdict[str, list[RawArticle]] = defaultdict(list)
    for article in articles:
        groups[article.id].append(article)
    result: list[RawArticle] = []
    for same_id in groups.values():
        distinct: dict[str, RawArticle] = {}
        for article in same_id:
            distinct.setdefault(fingerprint(article), article)
        if len(distinct) == 1:
            result.append(same_id[0])
            continue
        urls = [article.url for article in distinct.values()]
        # Links tell them apart stably (a revision keeps its link); only when links do not
        # differ does the content, at the price of an edit becoming a new article.
        by_url = None not in urls and len(set(urls)) == len(urls)
        for print_, article in distinct.items():
            distinguisher = article.url if by_url and article.url else print_
            result.append(article.model_copy(update={"id": tell_apart(article.id, distinguisher)}))
    return result
