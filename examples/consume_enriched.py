"""Read newswire's enriched articles with your own consumer group. Needs only redis-py.

    pip install redis
    REDIS_URL=redis://localhost:6379/0 python consume_enriched.py --group my-app

Each article is printed as one JSON line (id, title, top entities, top topics) and then
acknowledged, so a restart goes on where it stopped: first the entries this consumer had read
but not acknowledged, then new ones. Your group also keeps newswire from trimming entries you
have not acknowledged yet.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from typing import Any

import redis

SCHEMA_VERSION = 1


def summary(event: dict[str, Any]) -> dict[str, Any]:
    """What this example does with an article: pick a few fields."""
    return {
        "id": event["id"],
        "revision": event.get("revision", 1),
        "title": event.get("title"),
        "language": event.get("language"),
        "entities": [f"{e['text']} ({e['label']})" for e in event["entities"][:5]],
        "topics": [t["label"] for t in event["topics"][:3]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://localhost:6379/0")
    )
    parser.add_argument("--stream", default="newswire:articles:enriched")
    parser.add_argument("--group", default="my-app")
    parser.add_argument("--consumer", default=f"{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--count", type=int, default=None, help="stop after this many articles")
    parser.add_argument("--block-ms", type=int, default=5000)
    args = parser.parse_args()

    client = redis.Redis.from_url(args.redis_url)
    try:
        # At 0: a new group starts with everything the stream still holds.
        client.xgroup_create(args.stream, args.group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise

    handled = 0
    position = "0"  # our own unacknowledged entries first, then ">" (new ones)
    while args.count is None or handled < args.count:
        # Never take more than we will handle: what is read and not acknowledged stays pending.
        wanted = 100 if args.count is None else min(100, args.count - handled)
        reply = client.xreadgroup(
            args.group, args.consumer, {args.stream: position}, count=wanted, block=args.block_ms
        )
        entries = reply[0][1] if reply else []
        if position == "0" and not entries:
            position = ">"
            continue
        for entry_id, fields in entries:
            event = json.loads(fields[b"__data__"])
            if event.get("schema_version") != SCHEMA_VERSION:
                print(
                    f"skipping {entry_id!r}: schema_version {event.get('schema_version')}",
                    file=sys.stderr,
                )
            else:
                print(json.dumps(summary(event), ensure_ascii=False), flush=True)
            client.xack(args.stream, args.group, entry_id)
            handled += 1
            if args.count is not None and handled >= args.count:
                break


if __name__ == "__main__":
    main()
