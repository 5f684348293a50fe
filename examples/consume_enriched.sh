#!/bin/sh
# Read up to 10 enriched articles with your own consumer group, using only redis-cli.
# Usage: REDIS_URL=redis://localhost:6379/0 sh consume_enriched.sh [group] [consumer]
# Prints each entry's id and its JSON event; acknowledge with XACK once you have handled it:
#   redis-cli -u "$REDIS_URL" XACK newswire:articles:enriched GROUP ENTRY-ID
STREAM="${STREAM:-newswire:articles:enriched}"; GROUP="${1:-my-shell-app}"; CONSUMER="${2:-$(hostname)-$$}"
redis-cli -u "${REDIS_URL:-redis://localhost:6379/0}" XGROUP CREATE "$STREAM" "$GROUP" 0 MKSTREAM >/dev/null 2>&1; redis-cli -u "${REDIS_URL:-redis://localhost:6379/0}" --raw XREADGROUP GROUP "$GROUP" "$CONSUMER" COUNT 10 STREAMS "$STREAM" '>'
