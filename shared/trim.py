"""Keep streams bounded without dropping anything a consumer group still needs.

An entry may go once every group on the stream has read it and acknowledged it. So the stream
is trimmed (XTRIM MINID) below the lowest of, for each group: its oldest pending entry, or if
nothing is pending, the entry after the last one it was given. A stream with no group keeps
everything. The check and the trim run in one Lua script, so no group can move between them.

Consumers that read without a group (plain XREAD) are not seen and may miss trimmed entries;
read with your own consumer group (see the README) to be counted.
"""

from __future__ import annotations

from redis.asyncio import Redis

# Returns the MINID used ("" when nothing may go) and how many entries were removed.
_TRIM_SCRIPT = """
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if not ok or #groups == 0 then return {'', 0} end
local floor = nil
local function older(a, b)
  local ams, aseq = string.match(a, '(%d+)-(%d+)')
  local bms, bseq = string.match(b, '(%d+)-(%d+)')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams < bms or (ams == bms and aseq < bseq)
end
for _, group in ipairs(groups) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local keep
  if tonumber(info['pending']) > 0 then
    local summary = redis.call('XPENDING', KEYS[1], info['name'])
    keep = summary[2]
  else
    local ms, seq = string.match(info['last-delivered-id'], '(%d+)-(%d+)')
    keep = ms .. '-' .. tostring(tonumber(seq) + 1)
  end
  if floor == nil or older(keep, floor) then floor = keep end
end
if floor == '0-1' then return {'', 0} end
local removed = redis.call('XTRIM', KEYS[1], 'MINID', floor)
return {floor, removed}
"""


async def trim_acknowledged(client: Redis, stream: str) -> int:
    """Remove the entries of `stream` that every consumer group has acknowledged."""
    _, removed = await client.eval(_TRIM_SCRIPT, 1, stream)
    return int(removed)
