--[[
  apply, part 7 of 9: whether a reading fires, and the lockout claim that follows
  (the policy of src/decide/policy.ts), written to the actor's outbox (KEYS[3a-1]).

  outbox: hash, pending id (rule|ts|offence, as pendingId in src/window/store.ts) ->
          JSON of a granted, unconfirmed lockout
          { rule, ts, o (offence), t (ttl), r (reading), rs (route sealed by the caller),
            s (stream), off (offset) }, read back by 04-actor-state.lua and decoded by
          src/window/apply-reply.ts; the hash lives a day after its latest lockout.

  Uses: now, OUTBOX_TTL_MS, actors, offencesOf, offencesDirty. Defines:
  fires(sp, reading); claim(a, win, ts, stream, offset, reading), which returns
  2 (granted) or 3 (refused: locked already), offence, ttl, lockedUntil.
]]
local function fires(sp, reading)
  for i, min in ipairs(sp.min) do
    if min >= 0 and (reading[i] or 0) >= min then return true end
  end
  local rat = sp.rat
  if rat then
    local den = reading[rat[2] + 1] or 0
    local num = reading[rat[1] + 1] or 0
    return den >= rat[4] and num >= rat[5] and num >= rat[3] * den
  end
  return false
end

local function claim(a, win, ts, stream, offset, reading)
  local A, sp, O = actors[a], win.sp, offencesOf(a)
  local st = O[sp.rule] -- { lockedUntil, offences, lastOffenceAt, keepUntil, deadline }
  if st and st[4] <= ts then st = nil end
  if st and ts < st[1] then return 3, st[2], st[1] - st[3], st[1] end
  local forget = sp.esc and sp.esc[3] or 0
  local offence = 1
  if st and ts - st[3] <= forget then offence = st[2] + 1 end
  local ttl = sp.ttl
  if sp.esc then ttl = math.min(sp.esc[2], math.floor(sp.ttl * sp.esc[1] ^ (offence - 1) + 0.5)) end
  local retention = math.max(ttl, forget)
  O[sp.rule] = { ts + ttl, offence, ts, ts + retention, now + retention }
  offencesDirty[a] = true
  local record = { rule = sp.rule, ts = ts, o = offence, t = ttl, r = reading }
  if win.route then record.rs = win.route end
  if stream then record.s = stream; record.off = offset end
  local id = sp.rule .. '|' .. string.format('%d', ts) .. '|' .. string.format('%d', offence)
  redis.call('HSET', KEYS[3 * a - 1], id, cjson.encode(record))
  redis.call('PEXPIRE', KEYS[3 * a - 1], OUTBOX_TTL_MS)
  A.p = now + OUTBOX_TTL_MS
  return 2, offence, ttl, ts + ttl
end
