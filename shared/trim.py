"""Keep streams bounded without dropping anything a consumer group still needs.

An entry may go once every group on the stream has read it and acknowledged it. The floor of
what must stay is the lowest of, for each group: its oldest pending entry, or if nothing is
pending, the entry after the last one it was given. A stream with no group keeps everything.

Internal streams (raw, analysed) are trimmed right down to that floor (XTRIM MINID). The public
streams (enriched articles, story events), which consumers outside the project read, keep a
retention window instead: entries younger than `max_age_ms` and the newest `max_len`, and go
below that only as far as the floor allows, so a group that is behind loses nothing. Their
trim is approximate (`MINID ~`): whole blocks of entries go at once, a few more stay.

The check and the trim run in one Lua script, so no group can move between them.

Consumers that read without a group (plain XREAD) are not seen and may miss trimmed entries
(beyond the retention window, for the public streams); read with your own consumer group (see
the README) to be counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS: stream. ARGV: retention max age (ms) and max length, or nothing (trim to the floor).
# Returns the MINID used ("" when nothing may go) and how many entries were removed.
_TRIM_SCRIPT = """
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if not ok or #groups == 0 then return {'', 0} end
local function parse(id)
  local ms, seq = string.match(id, '(%d+)-(%d+)')
  return tonumber(ms), tonumber(seq)
end
local function older(a, b)
  local ams, aseq = parse(a)
  local bms, bseq = parse(b)
  return ams < bms or (ams == bms and aseq < bseq)
end
local function after(id)
  local ms, seq = parse(id)
  return string.format('%.0f-%.0f', ms, seq + 1)
end
local floor = nil
for _, group in ipairs(groups) do
  local info = {}
  for i = 1, #group, 2 do info[group[i]] = group[i + 1] end
  local keep
  if tonumber(info['pending']) > 0 then
    keep = redis.call('XPENDING', KEYS[1], info['name'])[2]
  else
    keep = after(info['last-delivered-id'])
  end
  if floor == nil or older(keep, floor) then floor = keep end
end
local approximate = false
if #ARGV == 2 then
  approximate = true
  local now = redis.call('TIME')
  local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  local keep = string.format('%.0f-0', now_ms - tonumber(ARGV[1]))
  -- At most 10,000 past the cap per pass, so a stream far over it is cut down over a few
  -- passes instead of in one long script.
  local excess = math.min(redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2]), 10000)
  if excess > 0 then
    local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', excess)
    local past_cap = after(oldest[#oldest][1])
    if older(keep, past_cap) then keep = past_cap end
  end
  if older(keep, floor) then floor = keep end
end
if floor == '0-1' then return {'', 0} end
local removed
if approximate then
  removed = redis.call('XTRIM', KEYS[1], 'MINID', '~', floor)
else
  removed = redis.call('XTRIM', KEYS[1], 'MINID', floor)
end
return {floor, removed}
"""


@dataclass(frozen=True, slots=True)
class Retention:
    """How much of a public stream stays for readers: this young, and at most this many."""

    max_age_ms: int
    max_len: int


async def trim_stream(client: Redis, stream: str, retention: Retention | None = None) -> int:
    """Trim `stream` (see the module docstring); returns how many entries were removed.

    Without `retention`, everything every consumer group has acknowledged goes; with it, what
    is older than the window or beyond its length, as far as the groups allow.
    """
    window = () if retention is None else (retention.max_age_ms, retention.max_len)
    _, removed = await client.eval(_TRIM_SCRIPT, 1, stream, *window)
    return int(removed)
