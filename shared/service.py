"""How a consuming service runs: its stage behind a subscriber and a reclaimer, kept alive.

`stage_app` builds the FastStream app of one stage: a batch subscriber reads new entries of
the group, a `Reclaimer` beside it settles entries left pending; `shared.runner.serve` keeps
such apps running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any

from faststream import FastStream
from faststream.redis import RedisBroker
from faststream.redis.annotations import RedisBatchStreamMessage
from pydantic import BaseModel, WithJsonSchema
from redis.asyncio import Redis

from shared.broker import group_batches, make_app
from shared.consumer import Stage, ensure_groups
from shared.isolation import RetryPolicy, handle_isolating
from shared.logging import get_logger
from shared.membership import leave_group
from shared.metrics import ServiceMetrics
from shared.reclaim import Reclaimer, ReclaimPolicy
from shared.retry import UNREACHABLE
from shared.schemas import DeadLetter
from shared.settings import Settings
from shared.trim import Retention
from shared.wire import Entry

log = get_logger(__name__)


def retention(settings: Settings, stream: str) -> Retention | None:
    """The retention window of `stream` if it is a public one (see `shared.trim`)."""
    if stream not in settings.streams.public:
        return None
    return Retention(
        max_age_ms=round(settings.public_retention_days * 86_400_000),
        max_len=settings.public_retention_maxlen,
    )


def reclaim_policy(settings: Settings, stream: str, count: int) -> ReclaimPolicy:
    """The reclaim settings of `settings` for `stream`, claiming `count` entries per call."""
    return ReclaimPolicy(
        min_idle_ms=settings.reclaim_min_idle_ms,
        max_deliveries=settings.max_deliveries,
        backoff_s=settings.retry_backoff_s,
        interval_s=settings.reclaim_interval_s,
        count=count,
        trim=settings.trim_streams,
        retention=retention(settings, stream),
        forget_idle_ms=round(settings.consumer_idle_s * 1000),
    )


def _inline_refs(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_refs(definitions[ref.removeprefix("#/$defs/")], definitions)
        return {k: _inline_refs(v, definitions) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(item, definitions) for item in node]
    return node


def documented_batch(model: type[BaseModel]) -> Any:
    """A list of any JSON values, each shown in generated schemas as `model` (nested inlined)."""
    schema = model.model_json_schema()
    entry = Annotated[Any, WithJsonSchema(_inline_refs(schema, schema.get("$defs", {})))]
    return list[entry]


def _counted(stage: Stage[Any], metrics: ServiceMetrics) -> Stage[Any]:
    """`stage` with every dead letter it publishes counted."""
    counter = metrics.dead_lettered.labels(stage.group)
    publish = stage.dead_letters

    async def counting(letter: DeadLetter) -> Any:
        result = await publish(letter)
        counter.inc()
        return result

    return replace(stage, dead_letters=counting)


@dataclass(frozen=True)
class Subscription:
    """One stage of an app, read in batches of up to `batch_size` (`title` names it in docs)."""

    stage: Stage[Any]
    batch_size: int
    title: str


def stage_app(
    settings: Settings,
    broker: RedisBroker,
    subscriptions: Sequence[Subscription],
    *,
    on_startup: Sequence[Callable[[], Any]] = (),
    after_shutdown: Sequence[Callable[[], Any]] = (),
    metrics: ServiceMetrics | None = None,
) -> FastStream:
    """The app of one or more consuming stages (see the module docstring)."""
    stages = [
        _counted(sub.stage, metrics) if metrics is not None else sub.stage for sub in subscriptions
    ]
    for stage, sub in zip(stages, subscriptions, strict=True):
        _subscribe(settings, broker, stage, sub)

    running: list[tuple[Reclaimer, asyncio.Task[None], Redis]] = []

    async def create_groups() -> None:
        # At 0, before the subscribers start, so the backlog is read (see `ensure_group`).
        await ensure_groups(settings, [(stage.stream, stage.group) for stage in stages])

    async def start_reclaimers() -> None:
        for stage, sub in zip(stages, subscriptions, strict=True):
            client = Redis.from_url(settings.require_redis_url())
            reclaimer = Reclaimer(
                client,
                stage,
                settings.consumer_name,
                reclaim_policy(settings, stage.stream, sub.batch_size),
                on_reclaimed=(
                    metrics.reclaimed.labels(stage.group).inc if metrics is not None else None
                ),
            )
            running.append((reclaimer, asyncio.create_task(reclaimer.run()), client))

    async def stop_reclaimers() -> None:
        # Before the broker stops: the entry in hand is finished and acknowledged first.
        while running:
            reclaimer, task, client = running.pop()
            reclaimer.stop()
            await task
            await client.aclose()

    async def leave_groups() -> None:
        # After the broker stopped: nothing more is read, and what was read is acknowledged.
        await leave_stage_groups(settings, stages)

    return make_app(
        broker,
        on_startup=[create_groups, *on_startup],
        after_startup=[start_reclaimers],
        on_shutdown=[stop_reclaimers],
        after_shutdown=[leave_groups, *after_shutdown],
    )


async def leave_stage_groups(settings: Settings, stages: Sequence[Stage[Any]]) -> None:
    """Remove this replica's consumer from each stage's group (see `shared.membership`)."""
    client = Redis.from_url(settings.require_redis_url())
    try:
        for stage in stages:
            handed = await leave_group(
                client,
                stage.stream,
                stage.group,
                settings.consumer_name,
                handover_idle_ms=settings.reclaim_min_idle_ms,
            )
            log.info(
                "left consumer group" if handed is not None else "stayed in consumer group",
                stream=stage.stream,
                group=stage.group,
                consumer=settings.consumer_name,
                handed_over=handed,
            )
    except UNREACHABLE as exc:
        # The consumer stays; other replicas forget it once it has been idle long enough.
        log.warning("could not leave consumer group: redis unreachable", error=str(exc))
    finally:
        await client.aclose()


def _subscribe(
    settings: Settings, broker: RedisBroker, stage: Stage[Any], sub: Subscription
) -> None:
    policy = RetryPolicy(settings.max_deliveries, settings.retry_backoff_s)

    async def on_batch(body: list[Any], message: RedisBatchStreamMessage) -> None:
        # Returning acknowledges the batch; raising leaves it pending for the reclaimer. The
        # entries are read from the raw message, every field of each (for dead letters).
        raw = message.raw_message
        entries = [
            Entry.read(entry_id, fields)
            for entry_id, fields in zip(raw["message_ids"], raw["data"], strict=True)
        ]
        await handle_isolating(stage, entries, policy)

    # Entries are validated one by one in `handle` (a bad one must not fail its batch), so
    # FastStream takes any JSON; the contract (AsyncAPI) still shows the event's schema.
    on_batch.__annotations__["body"] = documented_batch(stage.model)
    broker.subscriber(
        stream=group_batches(stage.stream, stage.group, settings, sub.batch_size),
        title=sub.title,
    )(on_batch)
