"""enrich: adds named entities and topics to raw articles."""
