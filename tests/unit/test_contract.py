"""The committed contract (contract/) is what the code generates: regenerate it when this fails."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from shared.schemas import RawArticle
from tests.helpers import enriched_article
from tools.export_contract import CONTRACT, rendered


def test_committed_contract_files_are_up_to_date() -> None:
    for path, text in rendered().items():
        assert path.is_file(), f"{path} is missing: run .venv/bin/python -m tools.export_contract"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is out of date: run .venv/bin/python -m tools.export_contract"
        )


def test_events_validate_against_the_committed_schemas() -> None:
    schemas = CONTRACT / "schemas"
    enriched = enriched_article("a1").model_dump(mode="json")
    raw = RawArticle.model_validate(
        {k: v for k, v in enriched.items() if k in RawArticle.model_fields}
    ).model_dump(mode="json")
    for name, event in [("enriched-article", enriched), ("raw-article", raw)]:
        schema = json.loads((schemas / f"{name}.schema.json").read_text())
        Draft202012Validator.check_schema(schema)
        Draft202012Validator(schema).validate(event)


def test_asyncapi_names_every_stream_and_group() -> None:
    document = json.loads((CONTRACT / "asyncapi.json").read_text())
    assert document["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == {
        "newswire:articles:raw",
        "newswire:articles:enriched",
        "newswire:articles:dead",
    }
    groups = {c["bindings"]["redis"].get("groupName") for c in document["channels"].values()} - {
        None
    }
    assert groups == {"enrich", "store"}
