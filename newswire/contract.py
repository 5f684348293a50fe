"""The consumer contract: the JSON Schema of each event, the AsyncAPI document of the apps,
and the OpenAPI document of the read API.

All are generated from the code (pydantic models, the FastStream apps, the FastAPI app) and
committed under
`contract/`; `tests/unit/test_contract.py` fails when they are out of date. Regenerate with

    .venv/bin/python -m tools.export_contract

or the AsyncAPI document alone with FastStream's own command:

    .venv/bin/faststream docs gen newswire.contract:contract_app --factory -o contract/asyncapi.json
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from faststream import FastStream
from faststream._internal.broker import BrokerUsecase
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from shared.schemas import DeadLetter, EnrichedArticle, RawArticle, StoryEvent
from shared.settings import Settings

EVENTS: dict[str, type[BaseModel]] = {
    "raw-article": RawArticle,
    "enriched-article": EnrichedArticle,
    "story-event": StoryEvent,
    "dead-letter": DeadLetter,
}


def _documented_settings() -> Settings:
    # Fixed values, whatever this machine's environment says: the document must not vary.
    return Settings(
        _env_file=None,
        redis_url="redis://redis:6379/0",
        stream_prefix="newswire",
        consumer_name="HOSTNAME-PID",
    )


def event_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema (draft 2020-12, as pydantic writes it) of each event, by file stem."""
    return {name: model.model_json_schema() for name, model in EVENTS.items()}


def contract_app() -> FastStream:
    """The enrich, stories and store apps' brokers under one app, for its AsyncAPI document.

    Nothing runs it; it exists to be described (it loads the NLP pipeline, as enrich does).
    """
    from services.enrich.app import create_app as enrich_app
    from services.enrich.enricher import Enricher
    from services.enrich.nlp import load_pipeline
    from services.store.app import create_app as store_app
    from services.stories.app import create_app as stories_app

    settings = _documented_settings()
    enrich = enrich_app(settings, Enricher(load_pipeline(settings.spacy_model)))
    store = store_app(settings)
    app = FastStream(
        _broker(enrich),
        specification=AsyncAPI(
            title="newswire",
            version=version("newswire"),
            description=(
                "News articles in, enriched news events out, on Redis streams. Each stream "
                "entry holds one JSON event in its `__data__` field (no envelope). Read the "
                "enriched stream (articles with their story) and the stories stream (story "
                "events) with your own consumer group; see the README, 'Consume the enriched "
                "stream'."
            ),
        ),
    )
    app.add_broker(_broker(stories_app(settings)))
    app.add_broker(_broker(store))
    return app


def asyncapi_json() -> str:
    """The AsyncAPI document as committed in `contract/asyncapi.json`."""
    return contract_app().schema.to_specification().to_json()


def openapi_document() -> dict[str, Any]:
    """The read API's OpenAPI document, as committed in `contract/openapi.json`."""
    from services.api.app import create_app as api_app

    return api_app(_documented_settings()).openapi()


def _broker(app: FastStream) -> BrokerUsecase[Any, Any, Any]:
    if app.broker is None:
        msg = "a service app without a broker"
        raise RuntimeError(msg)
    return app.broker
