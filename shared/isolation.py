"""A failed batch is retried entry by entry at once, so one bad entry holds up nothing else.

When a batch's work raises, the entries are tried again one at a time straight away: the good
ones go through on that pass, and only those that fail again are retried, after a short backoff
that doubles, until they have had `attempts` tries in all; then each becomes a dead letter with
its last error. So a poisoned entry reaches the dead letters within seconds, and its
batch-mates are not held for it.

Failures that are not the entries' fault are not counted: a Redis or database outage, or a
stage that says it cannot work now (`StageUnavailable`, `Stage.ready`), is raised to the caller
with the entries still pending, for the reclaimer to retry once the stage is back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio

from shared.batch import named_article_id
from shared.consumer import Stage, StageUnavailable
from shared.logging import get_logger
from shared.retry import UNREACHABLE
from shared.wire import Entry

log = get_logger(__name__)

_MAX_ERROR_CHARS = 2_000
_LONGEST_BACKOFF_S = 30.0
# Not the entries' fault: they wait, pending, instead of using up their attempts.
_NOT_THEIR_FAULT = (StageUnavailable, *UNREACHABLE)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often an entry is tried before it is dead-lettered, and how long between tries."""

    attempts: int
    backoff_s: float


def describe_failure(exc: BaseException) -> str:
    """A failure as a dead letter's or a log line's error text."""
    return f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_CHARS]


async def _require_ready(stage: Stage[Any]) -> None:
    if stage.ready is not None and not await stage.ready():
        msg = f"stage {stage.group} is not ready (a dependency is down)"
        raise StageUnavailable(msg)


async def handle_isolating(
    stage: Stage[Any], entries: Sequence[Entry], policy: RetryPolicy, *, tried: int = 0
) -> None:
    """Handle `entries`; when that fails, retry them one by one (see the module docstring).

    `tried` counts attempts the entries already had elsewhere (a reclaimed entry's earlier
    deliveries). Returns once every entry is processed or dead-lettered; raises, leaving the
    rest pending, when the failure is not the entries' fault.
    """
    try:
        await stage.handle(entries)
    except _NOT_THEIR_FAULT:
        raise
    except Exception as exc:
        await _one_by_one(stage, entries, policy, tried + 1, describe_failure(exc))


async def _one_by_one(
    stage: Stage[Any], entries: Sequence[Entry], policy: RetryPolicy, tried: int, error: str
) -> None:
    failing = {entry.id: (entry, error) for entry in entries}
    wait = 0.0  # the first pass goes at once: the batch-mates of a bad entry are not held
    while failing and tried < policy.attempts:
        await anyio.sleep(wait)
        wait = min(max(wait * 2, policy.backoff_s), _LONGEST_BACKOFF_S)
        await _require_ready(stage)
        tried += 1
        for entry, _ in list(failing.values()):
            try:
                await stage.handle([entry])
            except _NOT_THEIR_FAULT:
                raise
            except Exception as exc:
                failing[entry.id] = (entry, describe_failure(exc))
                log.warning(
                    "entry failed",
                    entry_id=entry.id,
                    stream=stage.stream,
                    stage=stage.group,
                    attempt=tried,
                    error=failing[entry.id][1],
                )
            else:
                del failing[entry.id]
    for entry, last in failing.values():
        await stage.dead_letter(
            entry,
            named_article_id(entry.body()),
            f"not processed after {tried} deliveries; last error: {last}",
        )
