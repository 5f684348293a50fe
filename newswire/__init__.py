"""The `newswire` command: ties the services together for people at a terminal."""
