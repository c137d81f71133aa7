--[[
  commit, part 4 of 7: each actor's value checked against the one read, and its
  outbox's pending lockouts read (KEYS[3a-1]).

  An actor whose value is not the one read is in conflict: nothing of it is done. The
  outbox is read when Node says so (no value, or one whose `p` says it may hold
  lockouts: the value may expire before the outbox, a day after its last lockout).
  A value of the layout before issue 9 held the actor's offences: the live ones move
  to their own key (03-legacy-upgrade.lua), as the upgrade writes the value anew.

  Uses: nActors, read, flags, upgrade, offences, offencesDirty. Defines: conflict[a],
  pendingAtStart[a]. (The value's outbox marker `p` is Node's: shard-call.ts sets it with
  a claim.)
]]
local conflict, pendingAtStart = {}, {}
local NONE = {}

for a = 1, nActors do
  local raw = redis.call('GET', KEYS[3 * a - 2])
  if (raw or '') ~= read[a] then
    conflict[a] = true
    pendingAtStart[a] = NONE
  else
    if raw and bit.band(flags[a], 2) ~= 0 then
      local _, kept = upgrade(cmsgpack.unpack(raw))
      if kept then offences[a] = kept; offencesDirty[a] = true end
    end
    pendingAtStart[a] = bit.band(flags[a], 1) ~= 0 and redis.call('HVALS', KEYS[3 * a - 1]) or NONE
  end
end
