"""The publication ledger in Redis: what ingest published, written atomically with the event.

Each article id maps to its last published revision, content fingerprint and owning feed
(`<prefix>:ingest:seen:<id>`). A Lua script compares that record, appends the event to the raw
stream and updates the record in one step, so a crash can neither publish an article without
recording it (a duplicate after restart) nor record one it never published (a loss).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pydantic import TypeAdapter
from redis.asyncio import Redis

from services.ingest.revisions import Seen, fingerprint, is_foreign, next_record
from shared.logging import get_logger
from shared.schemas import RawArticle
from shared.wire import PAYLOAD_FIELD

log = get_logger(__name__)
_EVENT_JSON = TypeAdapter(RawArticle)

# Another poll changing the same record between our read and write is rare (one article in two
# feeds polled at once); after this many rereads something is wrong.
_ATTEMPTS = 5

Prepare = Callable[[RawArticle], Awaitable[RawArticle]]

# KEYS: the raw stream, then one ledger key per article. ARGV: ttl, payload field, then per
# article its expected record ("" for none), new record and event. Returns per article the
# stream entry id, or 0 where the record had changed since it was read (nothing written).
_PUBLISH_IF_UNCHANGED = """
local results = {}
for i = 2, #KEYS do
    local at = (i - 2) * 3 + 3
    local current = redis.call('GET', KEYS[i]) or ''
    if current == ARGV[at] then
        results[i - 1] = redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[at + 2])
        redis.call('SET', KEYS[i], ARGV[at + 1], 'EX', ARGV[1])
    else
        results[i - 1] = 0
    end
end
return results
"""


class ArticleLedger:
    """Reads and writes the ledger; publishes raw articles through it."""

    def __init__(
        self, client: Redis, *, prefix: str, raw_stream: str, retention_seconds: int
    ) -> None:
        self._client = client
        self._prefix = f"{prefix}:ingest:seen:"
        self._raw_stream = raw_stream
        self._retention = retention_seconds
        self._publish = client.register_script(_PUBLISH_IF_UNCHANGED)

    async def seen(self, ids: Sequence[str]) -> dict[str, Seen | None]:
        """The ledger record of each id (None: never published or expired)."""
        if not ids:
            return {}
        raw = await self._client.mget([self._prefix + article_id for article_id in ids])
        return {
            article_id: Seen.decode(_text(value)) if value is not None else None
            for article_id, value in zip(ids, raw, strict=True)
        }

    async def publish_new(
        self,
        articles: Sequence[RawArticle],
        *,
        owner: str | None,
        republish: bool = False,
        prepare: Prepare | None = None,
    ) -> list[RawArticle]:
        """Publish each article that is new or changed, as its next revision; return those.

        `owner` is the identity of the feed listing the articles (None for files): a changed
        article another feed published first is that feed's, and is not published again
        (see `next_record`). `prepare` runs only for articles about to be published (full-text
        fetching); the revision is judged on the article as given. With `republish`, unchanged
        articles go out again as their current revision.
        """
        seen = await self.seen([article.id for article in articles])
        planned: list[tuple[RawArticle, Seen, Seen | None]] = []
        for article in articles:
            print_ = fingerprint(article)
            previous = seen[article.id]
            record = next_record(previous, print_, owner=owner, republish=republish)
            if record is None:
                if previous and previous.fingerprint != print_ and is_foreign(previous, owner):
                    log.info(
                        "different copy of another feed's article not published",
                        article_id=article.id,
                        owner=previous.owner,
                        feed=owner,
                    )
                continue
            outgoing = await prepare(article) if prepare else article
            if outgoing.revision != record.revision:  # a new article already is revision 1
                outgoing = outgoing.model_copy(update={"revision": record.revision})
            planned.append((outgoing, record, previous))
        entries = await self._publish_script(planned) if planned else []
        published: list[RawArticle] = []
        for (outgoing, record, _), entry in zip(planned, entries, strict=True):
            if entry:
                published.append(outgoing)
                continue
            retried = await self._publish_after_conflict(
                outgoing, record.fingerprint, owner=owner, republish=republish
            )
            if retried is not None:
                published.append(retried)
        return published

    async def _publish_after_conflict(
        self, article: RawArticle, print_: str, *, owner: str | None, republish: bool
    ) -> RawArticle | None:
        for _ in range(_ATTEMPTS):
            previous = (await self.seen([article.id]))[article.id]
            record = next_record(previous, print_, owner=owner, republish=republish)
            if record is None:
                return None
            outgoing = article.model_copy(update={"revision": record.revision})
            if (await self._publish_script([(outgoing, record, previous)]))[0]:
                return outgoing
        msg = f"article {article.id}: ledger record kept changing during {_ATTEMPTS} attempts"
        raise RuntimeError(msg)

    async def _publish_script(
        self, planned: Sequence[tuple[RawArticle, Seen, Seen | None]]
    ) -> list[object]:
        # One script call for a feed's articles: a round trip and a command parse per feed,
        # not per article, and still each article recorded atomically with its event.
        args: list[str | int | bytes] = [self._retention, PAYLOAD_FIELD]
        for article, record, expected in planned:
            args += (
                expected.encode() if expected else "",
                record.encode(),
                # The JSON as bytes, which the client sends as they are (a str is encoded).
                _EVENT_JSON.dump_json(article),
            )
        entries = await self._publish(
            keys=[self._raw_stream, *(self._prefix + article.id for article, _, _ in planned)],
            args=args,
        )
        return list(entries)

    async def keep_alive(self, ids: Sequence[str]) -> None:
        """Restart the retention clock of articles still listed in a feed.

        Records expire only once their feed stopped listing them for the retention period, so
        the ledger stays bounded without an old entry ever coming back as new.
        """
        if not ids:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for article_id in ids:
                pipe.expire(self._prefix + article_id, self._retention)
            await pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
