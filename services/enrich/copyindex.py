"""The copy index in Redis, shared by every enrich replica.

Per article (`<prefix>:copies:article:<id>`): its arrival number, MinHash signature and, once
checked, the original it copies. Per LSH band (`<prefix>:copies:band:<band>`): the articles
with that band. Originals' enrichments (`<prefix>:copies:enriched:<id>`, without HTML) are kept
for their copies. Everything expires after the copy window, refreshed on use.

Registration is one Lua script, so arrival numbers give one order across replicas: an article
can only copy one that registered before it. Two articles checked at the same moment both see
each other; the lower number is the original.
"""

from __future__ import annotations

from redis.asyncio import Redis

from services.enrich.copies import Candidate, DuplicateMatch, choose_original
from services.enrich.minhash import Signature
from shared.schemas import EnrichedArticle
from shared.streams import StreamNames, text_of

# KEYS: article hash, sequence counter, band sets… ARGV: article id, signature, ttl seconds.
# Returns the article's arrival number (the earlier one if it was registered before).
_REGISTER = """
local seq = redis.call('HGET', KEYS[1], 'seq')
if seq then return tonumber(seq) end
seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'seq', seq, 'signature', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
for i = 3, #KEYS do
    redis.call('SADD', KEYS[i], ARGV[1])
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
                args=[article_id, signature.hex(), self._ttl],
            )
        )
        match = choose_original(signature, seq, await self._candidates(article_id, bands))
        await self._client.hset(
            key,
            mapping={
                "original": match.original_id if match else "",
                "similarity": match.similarity if match else 0,
            },
        )
        return match

    async def _candidates(self, article_id: str, bands: list[str]) -> list[Candidate]:
        others = sorted({text_of(m) for m in await self._client.sunion(bands)} - {article_id})
        async with self._client.pipeline(transaction=False) as pipe:
            for other in others:
                pipe.hmget(self._article_key(other), ["seq", "signature", "original"])
            rows = await pipe.execute()
        found, expired = [], []
        for other, (seq, signature, original) in zip(others, rows, strict=True):
            if seq is None:
                expired.append(other)
                continue
            found.append(
                Candidate(
                    other,
                    int(seq),
                    Signature.from_hex(text_of(signature)),
                    text_of(original) or None if original is not None else None,
                )
            )
        if expired:
            # Band sets outlive some members (each add refreshes the set's expiry).
            async with self._client.pipeline(transaction=False) as pipe:
                for band in bands:
                    pipe.srem(band, *expired)
                await pipe.execute()
        return found

    async def remember(self, article: EnrichedArticle) -> None:
        """Keep an original's enrichment for its copies (HTML left out: copies bring theirs)."""
        payload = article.model_copy(update={"html": None}).model_dump_json()
        await self._client.set(self._enriched_key(article.id), payload, ex=self._ttl)

    async def enrichment_of(self, article_id: str) -> EnrichedArticle | None:
        """An original's kept enrichment, if it has not expired."""
        payload = await self._client.get(self._enriched_key(article_id))
        return None if payload is None else EnrichedArticle.model_validate_json(payload)
