from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from shared.batch import MAX_DEAD_PAYLOAD_CHARS, split_batch
from shared.consumer import Failures, Stage
from shared.schemas import DeadLetter, RawArticle, SourceRef, StoryEvent
from shared.wire import Entry, PlainJSONFormat


def _raw(article_id: str = "a1") -> dict[str, Any]:
    return RawArticle(
        id=article_id,
        text="t",
        ingested_at=datetime(2026, 1, 1, tzinfo=UTC),
        source=SourceRef(kind="file", name="f"),
    ).model_dump(mode="json")


def test_split_batch_keeps_good_entries_and_explains_bad_ones() -> None:
    wrong_version = {**_raw("a2"), "schema_version": 99}
    missing_text = {k: v for k, v in _raw("a3").items() if k != "text"}
    accepted, rejected = split_batch(
        [_raw("a1"), "not json", wrong_version, missing_text, _raw("a4")],
        [b"1-0", b"2-0", b"3-0", b"4-0", b"5-0"],
        RawArticle,
    )
    assert [(a.entry_id, a.event.id) for a in accepted] == [("1-0", "a1"), ("5-0", "a4")]
    reasons = {r.entry_id: (r.article_id, r.error) for r in rejected}
    assert reasons["2-0"] == (None, "payload is not a JSON object")
    assert reasons["3-0"][0] == "a2"
    assert "schema_version 99" in reasons["3-0"][1]
    assert reasons["4-0"] == ("a3", "text: Field required")


def _entry(entry_id: str, **fields: str | bytes) -> Entry:
    return Entry.read(
        entry_id, {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in fields.items()}
    )


async def _dead_letters_of(model: type[BaseModel], entries: list[Entry]) -> list[DeadLetter]:
    dead: list[DeadLetter] = []

    async def sink(letter: DeadLetter) -> None:
        dead.append(letter)

    async def work(_: list[Any]) -> None:
        return None

    stage = Stage(group="g", stream="s", model=model, work=work, dead_letters=sink)
    await stage.handle(entries)
    return dead


async def test_dead_letters_keep_every_field_of_the_entry_as_received() -> None:
    wrong_version = json.dumps({**_raw("a2"), "schema_version": 99})
    dead = await _dead_letters_of(
        RawArticle,
        [
            _entry("1-0", __data__=wrong_version, trace="t-1"),
            _entry("2-0", title="no data field", body=b"\xff bytes"),
            _entry("3-0", __data__="x" * (MAX_DEAD_PAYLOAD_CHARS * 2)),
        ],
    )
    versioned, fieldless, huge = dead
    assert (versioned.article_id, versioned.payload) == ("a2", wrong_version)  # as received
    assert versioned.fields == {"trace": "t-1"}
    assert (fieldless.payload, fieldless.fields) == (
        "",
        {"title": "no data field", "body": "\\xff bytes"},
    )
    assert len(huge.payload) == MAX_DEAD_PAYLOAD_CHARS


async def test_a_story_event_dead_letter_names_its_article() -> None:
    (letter,) = await _dead_letters_of(
        StoryEvent, [_entry("1-0", __data__=json.dumps({"schema_version": 1, "article_id": "a9"}))]
    )
    assert letter.article_id == "a9"


def test_split_batch_refuses_mismatched_ids() -> None:
    with pytest.raises(ValueError, match="2 bodies but 1 entry ids"):
        split_batch([{}, {}], ["1-0"], RawArticle)


async def test_plain_json_format_writes_the_bare_event() -> None:
    event = RawArticle.model_validate(_raw())
    # Outside a broker there is no pydantic serializer, so hand the codec plain JSON data.
    data = await PlainJSONFormat.encode(
        message=event.model_dump(mode="json"), reply_to=None, headers={"x": "y"}, correlation_id="c"
    )
    assert RawArticle.model_validate_json(data) == event


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"a": 1}', b'{"a": 1}'),
        (b"bad \xff", b"bad \\xff"),
        ({b"other": b"field"}, b""),
    ],
)
def test_plain_json_format_parse_never_raises(data: Any, expected: bytes) -> None:
    assert PlainJSONFormat.parse(data) == (expected, {})


def test_nul_characters_are_refused_where_postgres_would_fail() -> None:
    _, (bad,) = split_batch([{**_raw("n1"), "text": "a\x00b"}], ["1-0"], RawArticle)
    assert (bad.article_id, bad.error) == ("n1", "text: Value error, contains NUL characters")


async def test_events_the_work_names_as_failed_become_dead_letters_and_the_rest_is_done() -> None:
    done: list[str] = []
    dead: list[DeadLetter] = []

    async def work(articles: list[RawArticle]) -> Failures:
        done.extend(a.id for a in articles if a.id != "bad")
        return {n: "cannot place it" for n, a in enumerate(articles) if a.id == "bad"}

    async def sink(letter: DeadLetter) -> None:
        dead.append(letter)

    stage = Stage(group="g", stream="s", model=RawArticle, work=work, dead_letters=sink)
    await stage.handle(
        [
            _entry(f"{n}-0", __data__=json.dumps(_raw(article_id)))
            for n, article_id in enumerate(("a", "bad", "c"), start=1)
        ]
    )
    assert done == ["a", "c"]
    (letter,) = dead
    assert (letter.entry_id, letter.article_id, letter.error) == ("2-0", "bad", "cannot place it")
    assert RawArticle.model_validate_json(letter.payload).id == "bad"  # the event, kept whole
