"""api: the read-only HTTP API and the stories page over the store's database."""
