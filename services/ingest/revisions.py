"""De-duplication and revisions: has this article been published, and has it changed since?"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from shared.ids import content_fingerprint, tell_apart
from shared.schemas import RawArticle


@dataclass(frozen=True, slots=True)
class Seen:
    """What was last published under an article id: revision, content fingerprint, owner.

    The owner is the identity of the feed that first published the article (see
    `services.ingest.feedlist.feed_identity`); None for records written before owners were kept
    and for articles that came from files.
    """

    revision: int
    fingerprint: str
    owner: str | None = None

    def encode(self) -> str:
        """The ledger's stored form."""
        head = f"{self.revision}:{self.fingerprint}"
        return f"{head}:{self.owner}" if self.owner else head

    @classmethod
    def decode(cls, raw: str) -> Seen:
        """The inverse of `encode` (also reads records without an owner)."""
        revision, fingerprint_, *owner = raw.split(":", 2)
        return cls(int(revision), fingerprint_, owner[0] if owner else None)


def fingerprint(article: RawArticle) -> str:
    """The content a revision is measured by (title and text)."""
    return content_fingerprint(article.title, article.text)


def is_foreign(seen: Seen | None, owner: str | None) -> bool:
    """True when the article was first published by a feed other than `owner`."""
    return seen is not None and seen.owner is not None and seen.owner != owner


def next_record(
    seen: Seen | None, fingerprint_: str, *, owner: str | None, republish: bool = False
) -> Seen | None:
    """The record to publish the article under, or None when it is not to be published.

    Revision 1 for a new article, one more for a changed one, none for one already published
    as is. Only the feed that first published an article revises it: another feed listing the
    same id (a shared GUID, or a URL of another outlet reused as a GUID) lists a duplicate.
    A record without an owner goes to the first feed that publishes under it. With `republish`
    (an explicit replay) an unchanged article goes out again as the same revision, which
    consumers treat as a duplicate delivery, and a changed one as the next, whoever owns it.
    """
    if seen is None:
        return Seen(1, fingerprint_, owner)
    kept_owner = seen.owner or owner
    if republish:
        revision = seen.revision if seen.fingerprint == fingerprint_ else seen.revision + 1
        return Seen(revision, fingerprint_, kept_owner)
    if seen.fingerprint == fingerprint_ or is_foreign(seen, owner):
        return None
    return Seen(seen.revision + 1, fingerprint_, kept_owner)


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
        if len(same_id) == 1:  # the usual case: nothing to tell apart, no content to hash
            result.append(same_id[0])
            continue
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
