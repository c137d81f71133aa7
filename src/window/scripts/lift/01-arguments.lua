--[[
  lift, part 1 of 2: the arguments of an operator's lift (src/window/redis-store.ts,
  lift; what it means: LiftRequest in src/window/store.ts).

  The script: commit/02-offences.lua and commit/03-legacy-upgrade.lua are joined after
  this part (the same offences layout and legacy upgrade as the commit script), then
  02-lift.lua, by src/window/scripts.ts into ONE script: one atomic EVALSHA.

  KEYS     one actor's state, outbox and offences: KEYS[1..3], named by
           src/window/keys.ts as the commit script's KEYS[3a-2..3a] with a = 1 (one hash
           tag, so one Redis Cluster slot)
  ARGV     now (wall-clock ms), graceUntil (event time ms), keepAfter (ms the grace
           marker is kept past max(now, graceUntil)), every ('1': every rule, '0': the
           rules listed after it), then the lifted rules
  Returns  nothing.

  Defines: LAYOUT (of the state value; the same as src/window/state-value.ts, held by
  scripts.test.ts), now, graceUntil, keepAfter, lifted (rule -> true; nil: every
  rule).
]]
local LAYOUT = 2
local tonumber = tonumber

local now = tonumber(ARGV[1])
local graceUntil = tonumber(ARGV[2])
local keepAfter = tonumber(ARGV[3])
local lifted = nil
if ARGV[4] ~= '1' then
  lifted = {}
  for i = 5, #ARGV do lifted[ARGV[i]] = true end
end
