from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio.connection import Connection
from redis.exceptions import DataError

from shared.redispack import HiredisPackedConnection

_ARGUMENTS = st.one_of(
    st.text(), st.binary(), st.integers(), st.floats(allow_nan=False), st.sampled_from([0.1, 1e-7])
)
_NAMES = st.sampled_from(["EVALSHA", "SET", "MGET", "CONFIG GET", "XADD"])


def _packed(connection: Connection, *args: Any) -> bytes:
    return b"".join(connection.pack_command(*args))


@given(_NAMES, st.lists(_ARGUMENTS, max_size=30))
def test_the_bytes_are_redis_pys(name: str, args: list[str | bytes | int | float]) -> None:
    assert _packed(HiredisPackedConnection(), name, *args) == _packed(Connection(), name, *args)


def test_a_large_command_is_one_buffer() -> None:
    args: tuple[str | bytes | int, ...] = (
        "EVALSHA",
        "a" * 40,
        2,
        "key",
        3600,
        *[b"x" * 10_000] * 3,
    )
    packed = HiredisPackedConnection().pack_command(*args)
    assert len(packed) == 1
    assert packed[0] == _packed(Connection(), *args)


def test_what_redis_py_refuses_is_refused_the_same_way() -> None:
    with pytest.raises(DataError):
        HiredisPackedConnection().pack_command("SET", "key", True)
