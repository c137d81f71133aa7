--[[
  commit, part 2 of 7: an actor's offences (KEYS[3a]).

  offences: msgpack { rule -> { lockedUntil, offences, lastOffenceAt, keepUntil,
            deadline [, 1: a lift's grace marker] } } (a lift of every rule: rule '*';
            see ../lift/02-lift.lua), read only by a claim (05-claim.lua), expiring with its own
            latest deadline (wall-clock ms): retention keeps counts and times for days,
            never windows. An entry past its deadline is gone, as a key of its own
            would have expired.

  Uses: now. Defines: offences (per actor, once read), offencesDirty (per actor: write
  it back, 07-write-back.lua), liveOffences(o), offencesOf(a).
]]
local offences, offencesDirty = {}, {}

local function liveOffences(o)
  for rule, st in pairs(o) do if st[5] <= now then o[rule] = nil end end
  return o
end

-- Read by the actor's first claim only: most calls never touch an actor's offences.
local function offencesOf(a)
  local o = offences[a]
  if o == nil then
    local raw = redis.call('GET', KEYS[3 * a])
    o = raw and liveOffences(cmsgpack.unpack(raw)) or {}
    offences[a] = o
  end
  return o
end
