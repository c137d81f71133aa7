--[[
  commit, part 3 of 7 (legacy): a state value of the layout before issue 9.

  Main before commit a7e696b (2026-12-01) wrote each actor's state without `v`: raw
  object ids, window fields named by an unkeyed hash, and the actor's offences inside
  (`o`, as 02-offences.lua keeps them now). Such a value lived up to the offences'
  retention (days), so a Redis written by an earlier version reaches this part when
  the new version starts on it (README, Redis: "Upgrading from a version before this
  layout drops the window state once"). Remove this part, its calls in 04-check.lua
  and ../lift/02-lift.lua (and its place in the parts' lists, src/window/scripts.ts),
  the legacy flag of src/window/state-value.ts and
  test/integration/redis-legacy-layout.test.ts together, once no such value can exist.

  upgrade(old) returns the state in LAYOUT: its windows dropped (at most one window of
  detection lost), its positions and outbox marker kept; and its offences, live ones
  only (nil when it had none), which move to their own key.
  Uses: LAYOUT, liveOffences.
]]
local function upgrade(old)
  local kept = nil
  if old.o and next(old.o) then kept = liveOffences(old.o) end
  return { v = LAYOUT, w = {}, x = {}, q = old.q, qd = old.qd, p = old.p }, kept
end
