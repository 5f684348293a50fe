"""Code every newswire service uses: event schemas, settings, logging, stream names and helpers."""
