"""`python -m services.stories`: run the stories service until SIGTERM/SIGINT.

A replica first takes the stories lease (waiting while another holds it), so at most one
places articles at a time; it stops, and can be restarted as a standby, if it loses it.
"""

from __future__ import annotations

import os
import signal

from redis.asyncio import Redis

from services.stories.app import create_app
from services.stories.lease import Lease, lease_key
from shared.health import side_door
from shared.lifecycle import run_consumer
from shared.metrics import ServiceMetrics
from shared.runner import serve
from shared.settings import Settings
from shared.streams import STORIES_GROUP


def _stop_self() -> None:
    # The same graceful stop as an outside SIGTERM: finish the batch in hand, then exit.
    os.kill(os.getpid(), signal.SIGTERM)


async def _run(settings: Settings) -> None:
    metrics = ServiceMetrics("stories")
    group = (settings.streams.analysed, STORIES_GROUP)
    client = Redis.from_url(settings.require_redis_url())
    lease = Lease(
        client,
        lease_key(settings.streams),
        settings.consumer_name,
        ttl_s=settings.stories_lease_s,
    )
    try:
        async with side_door(settings, metrics, service="stories", group=group) as door:
            door.add_check("lease", lease.held)
            await lease.acquire()
            async with lease.kept(on_lost=_stop_self):
                await serve(lambda: create_app(settings, metrics), service="stories")
    finally:
        await client.aclose()


def main() -> None:
    """Place analysed articles in stories until stopped."""
    run_consumer("stories", _run)


if __name__ == "__main__":
    main()
