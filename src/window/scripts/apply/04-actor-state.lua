--[[
  apply, part 4 of 10: each actor's state (KEYS[3a-2]) and pending lockouts (KEYS[3a-1]),
  read once at the start.

  state: msgpack { v = LAYOUT, w = { field -> msgpack of its window },
                   x = { field -> the window's deadline },
                   q = { stream -> highest offset applied }, qd, p }
         (window layout: 05-window.lua; ids in windows are offset per actor by the
         caller, fields are keyed hashes: nothing in it names a person)
         every entry carries its deadline (wall-clock ms; `qd` for q): an entry past it
         is gone, as a key of its own would have expired; the value expires with its
         latest deadline (10-write-back.lua). `p`: the outbox may hold lockouts (not a
         deadline of the value: without a state value, the outbox is read).
         A value without `v` is of the layout before issue 9: 03-legacy-upgrade.lua.
  outbox: hash, pending id -> JSON of a granted, unconfirmed lockout (08-claim.lua).

  Uses: now, nActors, LAYOUT, upgrade, offences, offencesDirty.
  Defines, per actor a: actors[a] (its state, expired entries dropped), pendingAtStart[a]
  (its outbox's records), dirty[a] (write the state back), newest[a] (stream -> highest
  offset applied by this call), longest[a] (its longest window span touched), opened[a]
  (field -> window decoded by this call).
]]
local actors, pendingAtStart, dirty, newest, longest, opened = {}, {}, {}, {}, {}, {}
-- An actor whose outbox is not read has no pending lockouts: one empty list for all
-- (read only, by 10-write-back.lua), not a table per actor and call.
local NONE = {}

for a = 1, nActors do
  local raw = redis.call('GET', KEYS[3 * a - 2])
  local A
  if raw then
    A = cmsgpack.unpack(raw)
    if A.v ~= LAYOUT then
      local kept
      A, kept = upgrade(A)
      dirty[a] = true
      if kept then offences[a] = kept; offencesDirty[a] = true end
    end
    for field, deadline in pairs(A.x) do
      if deadline <= now then A.w[field] = nil; A.x[field] = nil end
    end
    if A.q and A.qd <= now then A.q = nil; A.qd = nil end
  else
    A = { v = LAYOUT, w = {}, x = {} }
  end
  local pending = NONE
  -- The state may expire before the outbox (a day): without a state, look.
  if A.p or not raw then
    pending = redis.call('HVALS', KEYS[3 * a - 1])
    if #pending == 0 then A.p = nil end
  end
  actors[a] = A
  pendingAtStart[a] = pending
  newest[a] = {}
  opened[a] = {}
  longest[a] = 0
end
