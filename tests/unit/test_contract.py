"""The committed contract (contract/) is what the code generates: regenerate it when this fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from jsonschema import Draft202012Validator

from services.stories.clustering import Story
from services.stories.desk import story_event
from shared.schemas import RawArticle
from shared.streams import StreamNames
from tests.helpers import enriched_article
from tools.export_contract import CONTRACT, rendered


def test_committed_contract_files_are_up_to_date() -> None:
    for path, text in rendered().items():
        assert path.is_file(), f"{path} is missing: run .venv/bin/python -m tools.export_contract"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date: run .venv/bin/python -m tools.export_contract"
        )


NOW = datetime(2031, 3, 4, tzinfo=UTC)


def test_events_validate_against_the_committed_schemas() -> None:
    schemas = CONTRACT / "schemas"
    enriched = enriched_article("a1").model_dump(mode="json")
    raw = RawArticle.model_validate(
        {k: v for k, v in enriched.items() if k in RawArticle.model_fields}
    ).model_dump(mode="json")
    story = story_event(
        Story("story-1", None, NOW, NOW, version=1, member_count=1, members=["a1"]),
        "created",
        "a1",
    ).model_dump(mode="json")
    for name, event in [
        ("enriched-article", enriched),
        ("raw-article", raw),
        ("story-event", story),
    ]:
        schema = json.loads((schemas / f"{name}.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        Draft202012Validator(schema).validate(event)


def test_asyncapi_names_every_stream_and_group() -> None:
    document = json.loads((CONTRACT / "asyncapi.json").read_text())
    assert document["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == set(StreamNames("newswire").all)
    groups = {c["bindings"]["redis"].get("groupName") for c in document["channels"].values()} - {
        None
    }
    assert groups == {"enrich", "stories", "store"}


def test_openapi_documents_every_route_with_its_models() -> None:
    document = json.loads((CONTRACT / "openapi.json").read_text())
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/articles",
        "/articles/{article_id}",
        "/stories",
        "/stories/{story_id}",
        "/entities/{key}",
        "/healthz",
        "/readyz",
    }
    listing = document["paths"]["/articles"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "entity",
        "topic",
        "story",
        "outlet",
        "language",
        "since",
        "until",
        "q",
        "cursor",
        "limit",
    }
    ok = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ArticlePage"}
    story = document["paths"]["/stories/{story_id}"]["get"]["responses"]
    assert {"200", "307", "404", "422"} <= set(story)
    assert "EnrichedArticle" in document["components"]["schemas"]
