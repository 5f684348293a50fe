"""The copy index in Redis, shared by every enrich replica.

Per article (`<prefix>:copies:article:<id>`): its arrival number, MinHash signature and, once
checked, the original it copies. Per LSH band (`<prefix>:copies:band:<band>`): the latest
articles with that band, by arrival number; only the `BAND_KEEP` latest are kept, so templated
texts that share bands by the thousand cost a bounded lookup. Originals' enrichments
(`<prefix>:copies:enriched:<id>`, without HTML) are kept for their copies. An article's keys
expire one copy window after it arrived; a band's, one window after its latest article.

Registration is one Lua script, so arrival numbers give one order across replicas: an article
can only copy one that registered before it. Two articles checked at the same moment both see
each other; the lower number is the original. A candidate still being checked by another
replica (registered, no answer yet) is waited for, briefly, so that a copy of a copy names the
first original rather than the copy in between.

A batch is checked in three round trips whatever its size (the script registers its articles
in order and reads each one's bands right after registering it, as one check after another
would; then the candidates' rows; then the answers), where one check after another took five
an article. An earlier article of the same batch has its answer from this process, not Redis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
from redis.asyncio import Redis

from services.enrich.copies import Candidate, DuplicateMatch, choose_original
from services.enrich.minhash import Signature
from shared.schemas import EnrichedArticle
from shared.streams import StreamNames, text_of

# A replica answers within milliseconds of registering; one that died mid-check is given up on
# after this long (its article then counts as an original).
_ANSWER_POLLS = 50
_ANSWER_POLL_S = 0.01

# Articles kept per band: copies come soon after their original, so the latest suffice.
BAND_KEEP = 16

# KEYS: the sequence counter, then per article its hash and its band sets. ARGV: ttl seconds,
# articles kept per band, then per article its id, signature and number of bands. Per article,
# in order, returns {'answered', original, similarity} if it has an answer, else {'checked',
# arrival number, the members of its bands right after registering it (once, if it was
# registered before)...}.
_CHECK = """
local ttl, keep = ARGV[1], tonumber(ARGV[2])
local replies = {}
local k, a = 2, 3
while a <= #ARGV do
    local key, id, bands = KEYS[k], ARGV[a], tonumber(ARGV[a + 2])
    local answer = redis.call('HMGET', key, 'original', 'similarity')
    if answer[1] then
        replies[#replies + 1] = {'answered', answer[1], answer[2]}
    else
        local seq = redis.call('HGET', key, 'seq')
        if not seq then
            seq = redis.call('INCR', KEYS[1])
            redis.call('HSET', key, 'seq', seq, 'signature', ARGV[a + 1])
            redis.call('EXPIRE', key, ttl)
            for i = k + 1, k + bands do
                redis.call('ZADD', KEYS[i], seq, id)
                redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(keep + 1))
                redis.call('EXPIRE', KEYS[i], ttl)
            end
        end
        local reply = {'checked', tonumber(seq)}
        for i = k + 1, k + bands do
            for _, member in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do
                reply[#reply + 1] = member
            end
        end
        replies[#replies + 1] = reply
    end
    k, a = k + 1 + bands, a + 3
end
return replies
"""


def _stored(match: DuplicateMatch | None) -> str:
    """An answer as the `original` field stores it ("" for an original)."""
    return match.original_id if match else ""


def _pending(row: list[Any], seq: int) -> bool:
    """Whether a candidate's row is an earlier article with no answer yet (being checked)."""
    return row[0] is not None and int(row[0]) < seq and row[2] is None


def _candidates(others: list[str], rows: list[list[Any]]) -> list[Candidate]:
    """The candidates of their rows (seq, signature, original); expired ones left out."""
    found = []
    for other, (number, signature, original) in zip(others, rows, strict=True):
        if number is None:  # expired: the band outlived it
            continue
        found.append(
            Candidate(
                other,
                int(number),
                Signature.from_hex(text_of(signature)),
                text_of(original) or None if original is not None else None,
            )
        )
    return found


class RedisCopyIndex:
    """A `CopyIndex` (see `services.enrich.copies`) in Redis."""

    def __init__(self, client: Redis, streams: StreamNames, *, window_seconds: int) -> None:
        self._client = client
        self._streams = streams
        self._ttl = window_seconds
        self._check = client.register_script(_CHECK)

    def _article_key(self, article_id: str) -> str:
        return self._streams.key("copies", "article", article_id)

    def _enriched_key(self, article_id: str) -> str:
        return self._streams.key("copies", "enriched", article_id)

    async def check(self, article_id: str, signature: Signature) -> DuplicateMatch | None:
        """Register the article and find its original (see `CopyIndex.check`)."""
        (match,) = await self.check_all([(article_id, signature)])
        return match

    async def check_all(
        self, articles: Sequence[tuple[str, Signature]]
    ) -> list[DuplicateMatch | None]:
        """`check` each article in order (see `CopyIndex.check_all`)."""
        keys = [self._streams.key("copies", "seq")]
        args: list[str | int] = [self._ttl, BAND_KEEP]
        for article_id, signature in articles:
            bands = [self._streams.key("copies", "band", band) for band in signature.bands()]
            keys += [self._article_key(article_id), *bands]
            args += [article_id, signature.hex(), len(bands)]
        replies = await self._check(keys=keys, args=args)
        others: dict[str, list[str]] = {}  # each article checked here: its band mates
        for (article_id, _), reply in zip(articles, replies, strict=True):
            if text_of(reply[0]) == "checked" and article_id not in others:
                others[article_id] = sorted({text_of(m) for m in reply[2:]} - {article_id})
        rows = await self._rows(sorted({o for found in others.values() for o in found}))
        answers: dict[str, DuplicateMatch | None] = {}
        written = 0  # answers are written in check order: the first `written` of `others`
        for (article_id, signature), reply in zip(articles, replies, strict=True):
            if article_id in answers:  # twice in the batch: the first answer holds
                continue
            if article_id not in others:  # answered before (a redelivery)
                original, similarity = text_of(reply[1]), float(text_of(reply[2]))
                answers[article_id] = DuplicateMatch(original, similarity) if original else None
                continue
            seq, found = int(reply[1]), others[article_id]
            # Earlier articles of this batch: their answers are here, not yet in Redis.
            own = [
                [row[0], row[1], _stored(answers[o])] if row[2] is None and o in answers else row
                for o, row in ((o, rows[o]) for o in found)
            ]
            if any(_pending(row, seq) for row in own):
                # Ours go out before waiting for another replica's, so no two wait on each other.
                written = await self._write(others, answers, written)
                own = await self._await_answers(found, own, seq)
            answers[article_id] = choose_original(signature, seq, _candidates(found, own))
        await self._write(others, answers, written)
        return [answers[article_id] for article_id, _ in articles]

    async def _write(
        self, checked: dict[str, list[str]], answers: dict[str, DuplicateMatch | None], done: int
    ) -> int:
        """Store the answers of `checked` found since the first `done`; returns how many are."""
        ready = [article_id for article_id in checked if article_id in answers]
        async with self._client.pipeline(transaction=False) as pipe:
            for article_id in ready[done:]:
                match = answers[article_id]
                pipe.hset(
                    self._article_key(article_id),
                    mapping={
                        "original": _stored(match),
                        "similarity": match.similarity if match else 0,
                    },
                )
            await pipe.execute()
        return len(ready)

    async def _rows(self, others: list[str]) -> dict[str, list[Any]]:
        async with self._client.pipeline(transaction=False) as pipe:
            for other in others:
                pipe.hmget(self._article_key(other), ["seq", "signature", "original"])
            return dict(zip(others, await pipe.execute(), strict=True))

    async def _await_answers(
        self, others: list[str], rows: list[list[Any]], seq: int
    ) -> list[list[Any]]:
        """`rows` with the answer of each earlier candidate, waiting (bounded) for those still
        being checked; later ones never wait for this one, so no two checks wait for each other."""
        for _ in range(_ANSWER_POLLS):
            pending = [n for n, row in enumerate(rows) if _pending(row, seq)]
            if not pending:
                break
            await anyio.sleep(_ANSWER_POLL_S)
            async with self._client.pipeline(transaction=False) as pipe:
                for n in pending:
                    pipe.hmget(self._article_key(others[n]), ["seq", "signature", "original"])
                for n, row in zip(pending, await pipe.execute(), strict=True):
                    rows[n] = row
        return rows

    async def remember(self, article: EnrichedArticle) -> None:
        """Keep an original's enrichment for its copies (HTML left out: copies bring theirs)."""
        await self.remember_all([article])

    async def remember_all(self, articles: Sequence[EnrichedArticle]) -> None:
        """`remember` each article, in one round trip."""
        async with self._client.pipeline(transaction=False) as pipe:
            for article in articles:
                payload = article.model_copy(update={"html": None}).model_dump_json()
                pipe.set(self._enriched_key(article.id), payload, ex=self._ttl)
            await pipe.execute()

    async def enrichment_of(self, article_id: str) -> EnrichedArticle | None:
        """An original's kept enrichment, if it has not expired."""
        payload = await self._client.get(self._enriched_key(article_id))
        return None if payload is None else EnrichedArticle.model_validate_json(payload)
