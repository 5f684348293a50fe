"""A TCP forwarder the tests open and close to play a server going away and coming back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import anyio
from anyio.abc import SocketStream


async def _pipe(source: SocketStream, sink: SocketStream) -> None:
    with suppress(anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
        async for chunk in source:
            await sink.send(chunk)
    with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        await sink.send_eof()


@asynccontextmanager
async def forwarding(port: int, target_host: str, target_port: int) -> AsyncIterator[None]:
    """Accept on 127.0.0.1:`port` and forward each connection to the target, for the block.

    Leaving the block closes the listener and every forwarded connection, as a server that
    went down would.
    """
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=port)

    async def handle(client: SocketStream) -> None:
        async with client:
            try:
                server = await anyio.connect_tcp(target_host, target_port)
            except OSError:
                return
            async with server, anyio.create_task_group() as pipes:
                pipes.start_soon(_pipe, client, server)
                pipes.start_soon(_pipe, server, client)

    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, handle)
        try:
            yield
        finally:
            group.cancel_scope.cancel()
