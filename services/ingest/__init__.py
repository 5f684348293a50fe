"""ingest: turns sources (article files now, feeds later) into raw-article events."""
