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
"""

from __future__ import annotations

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

# KEYS: article hash, sequence counter, band sets… ARGV: article id, signature, ttl seconds,
# articles kept per band. Returns the article's arrival number (the first one if it was
# registered before).
_REGISTER = """
local seq = redis.call('HGET', KEYS[1], 'seq')
if seq then return tonumber(seq) end
seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'seq', seq, 'signature', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
for i = 3, #KEYS do
    redis.call('ZADD', KEYS[i], seq, ARGV[1])
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(tonumber(ARGV[4]) + 1))
    redis.call('EXPIRE', KEYS[i], ARGV[3])
end
return seq
"""


class RedisCopyIndex:
    """A `CopyIndex` (see `services.enrich.copies`) in Redis."""

    def __init__(self, client: Redis, streams: StreamNames, *, window_seconds: int) -> None:
        self._client = client
        self._streams = streams
        self._ttl = window_seconds
        self._register = client.register_script(_REGISTER)

    def _article_key(self, article_id: str) -> str:
        return self._streams.key("copies", "article", article_id)

    def _enriched_key(self, article_id: str) -> str:
        return self._streams.key("copies", "enriched", article_id)

    async def check(self, article_id: str, signature: Signature) -> DuplicateMatch | None:
        """Register the article and find its original (see `CopyIndex.check`)."""
        key = self._article_key(article_id)
        bands = [self._streams.key("copies", "band", band) for band in signature.bands()]
        checked = await self._client.hmget(key, ["original", "similarity"])
        if checked[0] is not None:
            original, similarity = text_of(checked[0]), float(text_of(checked[1]))
            return DuplicateMatch(original, similarity) if original else None
        seq = int(
            await self._register(
                keys=[key, self._streams.key("copies", "seq"), *bands],
                args=[article_id, signature.hex(), self._ttl, BAND_KEEP],
            )
        )
        match = choose_original(signature, seq, await self._candidates(article_id, bands, seq))
        await self._client.hset(
            key,
            mapping={
                "original": match.original_id if match else "",
                "similarity": match.similarity if match else 0,
            },
        )
        return match

    async def _candidates(self, article_id: str, bands: list[str], seq: int) -> list[Candidate]:
        async with self._client.pipeline(transaction=False) as pipe:
            for band in bands:
                pipe.zrange(band, 0, -1)
            members = await pipe.execute()
        others = sorted({text_of(m) for found in members for m in found} - {article_id})
        async with self._client.pipeline(transaction=False) as pipe:
            for other in others:
                pipe.hmget(self._article_key(other), ["seq", "signature", "original"])
            rows = await pipe.execute()
        rows = await self._await_answers(others, rows, seq)
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

    async def _await_answers(
        self, others: list[str], rows: list[list[Any]], seq: int
    ) -> list[list[Any]]:
        """`rows` with the answer of each earlier candidate, waiting (bounded) for those still
        being checked; later ones never wait for this one, so no two checks wait for each other."""
        for _ in range(_ANSWER_POLLS):
            pending = [
                n
                for n, row in enumerate(rows)
                if row[0] is not None and int(row[0]) < seq and row[2] is None
            ]
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
        payload = article.model_copy(update={"html": None}).model_dump_json()
        await self._client.set(self._enriched_key(article.id), payload, ex=self._ttl)

    async def enrichment_of(self, article_id: str) -> EnrichedArticle | None:
        """An original's kept enrichment, if it has not expired."""
        payload = await self._client.get(self._enriched_key(article_id))
        return None if payload is None else EnrichedArticle.model_validate_json(payload)
