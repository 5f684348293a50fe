"""stories: near-duplicate detection and online cross-outlet story clustering."""
