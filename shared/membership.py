"""Consumers in a group come and go: a replica leaves on a clean stop, the dead are forgotten.

Each replica is a consumer of its group under its own name (`hostname-pid`), so without
clean-up every restart would leave one more name in the group, and `newswire stats` and the
metrics would count the dead. Redis drops a consumer's pending entries with the consumer
(they could never be claimed again), so both paths here remove only consumers that hold none:

- `leave_group`: on a clean stop, hand this consumer's pending entries (a failed batch left for
  the reclaimer) to the group's most recently active other consumer, marked as idle so its
  reclaimer takes them at once, then delete this consumer. Alone in the group, it stays, with
  its entries, for the next replica to reclaim.
- `forget_idle_consumers`: delete the consumers idle longer than a limit with nothing pending
  (replicas that crashed, once their entries were reclaimed). A live consumer reads every few
  hundred milliseconds, which resets its idle time, so it is never one of them; and were one
  deleted, its next read would create it again.

Each runs as one Lua script, so no entry is delivered to a consumer between the check and the
delete.
"""

from __future__ import annotations

from redis.asyncio import Redis

from shared.streams import text_of

# KEYS: stream. ARGV: group, consumer, idle (ms) given to the entries handed over.
# Returns the number of entries handed over, or -1 when the consumer stayed (alone, with some).
_LEAVE_SCRIPT = """
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if not ok then return 0 end
local heir, heir_idle, own = nil, nil, 0
for _, consumer in ipairs(consumers) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['name'] == ARGV[2] then
    own = info['pending']
  elseif heir == nil or info['idle'] < heir_idle then
    heir, heir_idle = info['name'], info['idle']
  end
end
local handed = 0
if own > 0 then
  if heir == nil then return -1 end
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', own, ARGV[2])
  for first = 1, #pending, 500 do
    -- unpack() expands only as the last argument: the ids go in one table with the options.
    local args = {KEYS[1], ARGV[1], heir, 0}
    for i = first, math.min(first + 499, #pending) do args[#args + 1] = pending[i][1] end
    handed = handed + #args - 4
    for _, option in ipairs({'IDLE', ARGV[3], 'JUSTID'}) do args[#args + 1] = option end
    redis.call('XCLAIM', unpack(args))
  end
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return handed
"""

# KEYS: stream. ARGV: group, idle limit (ms). Returns the names deleted.
_FORGET_SCRIPT = """
local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if not ok then return {} end
local forgotten = {}
for _, consumer in ipairs(consumers) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    forgotten[#forgotten + 1] = info['name']
  end
end
return forgotten
"""


async def leave_group(
    client: Redis, stream: str, group: str, consumer: str, *, handover_idle_ms: int
) -> int | None:
    """Delete `consumer` from `group`, handing its pending entries over first (see above).

    Returns how many entries were handed over, or None when it stayed (alone, holding some).
    """
    handed = int(await client.eval(_LEAVE_SCRIPT, 1, stream, group, consumer, handover_idle_ms))
    return None if handed < 0 else handed


async def forget_idle_consumers(client: Redis, stream: str, group: str, idle_ms: int) -> list[str]:
    """Delete the consumers of `group` idle over `idle_ms` with nothing pending; their names."""
    names = await client.eval(_FORGET_SCRIPT, 1, stream, group, idle_ms)
    return [text_of(name) for name in names]
