"""The one database layer of the store and the read API: tables, engines and migrations."""
