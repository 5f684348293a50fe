"""`python -m services.enrich`: run the enrich service until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio

from services.enrich.app import create_app
from services.enrich.enricher import Enricher
from services.enrich.nlp import load_pipeline
from shared.lifecycle import stop_cleanly_on_sigterm
from shared.logging import configure_logging
from shared.service import serve
from shared.settings import Settings


def main() -> None:
    """Load the NLP pipeline once, then consume until stopped."""
    stop_cleanly_on_sigterm()
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json, service="enrich")
    enricher = Enricher(load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size)
    asyncio.run(serve(lambda: create_app(settings, enricher), service="enrich"))


if __name__ == "__main__":
    main()
