"""Validate a batch of decoded stream entries one by one, so a bad entry spoils nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from shared.schemas import SCHEMA_VERSION

ModelT = TypeVar("ModelT", bound=BaseModel)

# Cap on how much of a rejected payload travels into a dead letter.
MAX_DEAD_PAYLOAD_CHARS = 64_000


@dataclass(frozen=True, slots=True)
class Rejected:
    """An entry that could not be read as the expected event, and why."""

    entry_id: str
    article_id: str | None
    error: str


@dataclass(frozen=True, slots=True)
class Accepted(Generic[ModelT]):
    """A valid event with the stream entry it came from."""

    entry_id: str
    event: ModelT


def describe_validation_error(error: ValidationError) -> str:
    """A one-line account of what failed validation, for logs and dead letters."""
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in error.errors()
    ]
    return "; ".join(parts[:10])


def article_id_of(event: BaseModel) -> str | None:
    """The article an event is about: articles carry it as `id`, story events `article_id`."""
    named = getattr(event, "id", None) or getattr(event, "article_id", None)
    return named if isinstance(named, str) else None


def named_article_id(item: Any) -> str | None:
    """`article_id_of` for a decoded entry not yet validated (any JSON value)."""
    if not isinstance(item, dict):
        return None
    named = item.get("id") or item.get("article_id")
    return named if isinstance(named, str) else None


def split_batch(
    items: Sequence[Any], entry_ids: Sequence[bytes | str], model: type[ModelT]
) -> tuple[list[Accepted[ModelT]], list[Rejected]]:
    """Validate each decoded entry against `model`; return the valid ones and the rejected."""
    if len(items) != len(entry_ids):
        msg = f"batch has {len(items)} bodies but {len(entry_ids)} entry ids"
        raise ValueError(msg)
    accepted: list[Accepted[ModelT]] = []
    rejected: list[Rejected] = []
    for item, raw_id in zip(items, entry_ids, strict=True):
        entry_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
        if not isinstance(item, dict):
            rejected.append(Rejected(entry_id, None, "payload is not a JSON object"))
            continue
        article_id = named_article_id(item)
        version = item.get("schema_version")
        if version != SCHEMA_VERSION:
            error = f"unsupported schema_version {version!r} (this service reads {SCHEMA_VERSION})"
            rejected.append(Rejected(entry_id, article_id, error))
            continue
        try:
            accepted.append(Accepted(entry_id, model.model_validate(item)))
        except ValidationError as exc:
            rejected.append(Rejected(entry_id, article_id, describe_validation_error(exc)))
    return accepted, rejected
