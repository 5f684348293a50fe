"""`python -m services.enrich`: run the enrich service until SIGTERM/SIGINT."""

from __future__ import annotations

import anyio

from services.enrich.app import create_app
from services.enrich.enricher import Enricher
from services.enrich.nlp import load_pipeline
from shared.health import side_door
from shared.lifecycle import run_consumer
from shared.metrics import ServiceMetrics
from shared.runner import serve
from shared.settings import Settings
from shared.streams import ENRICH_GROUP


async def _run(settings: Settings) -> None:
    metrics = ServiceMetrics("enrich")
    group = (settings.streams.raw, ENRICH_GROUP)
    async with side_door(settings, metrics, service="enrich", group=group) as door:
        loaded = anyio.Event()

        async def model_loaded() -> bool:
            return loaded.is_set()

        door.add_check("model", model_loaded)
        # Loading takes seconds: off the event loop, so /healthz answers meanwhile.
        enricher = await anyio.to_thread.run_sync(
            lambda: Enricher(
                load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size
            )
        )
        loaded.set()
        await serve(lambda: create_app(settings, enricher, metrics), service="enrich")


def main() -> None:
    """Load the NLP pipeline once, then consume until stopped."""
    run_consumer("enrich", _run)


if __name__ == "__main__":
    main()
