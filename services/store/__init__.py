"""store: keeps every enriched article in a database (SQLite or PostgreSQL), one row per id."""
