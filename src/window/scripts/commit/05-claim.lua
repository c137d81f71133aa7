--[[
  commit, part 5 of 7: the lockout claim of a fired reading
  (the policy of src/decide/policy.ts), written to the actor's outbox (KEYS[3a-1]).

  outbox: hash, pending id (rule|ts|offence, as pendingId in src/window/store.ts) ->
          JSON of a granted, unconfirmed lockout
          { rule, ts, o (offence), t (ttl), r (reading), rs (route sealed by the caller),
            s (stream), off (offset) }, read back by 04-check.lua and decoded by
          src/window/commit-reply.ts; the hash lives a day after its latest lockout.

  A lift (scripts/lift/02-lift.lua) leaves a grace marker in the offences: a rule's
  entry with a sixth element (1), or the entry EVERY_RULE for a lift of every rule;
  until its lockedUntil (the grace's end) the claim is refused with 4. The marker of
  every rule is read only when a claim is about to be granted: one table lookup.

  Whether a reading fires is decided in Node (firesOn, src/window/arithmetic.ts).

  Uses: now, OUTBOX_TTL_MS, offencesOf, offencesDirty. Defines: EVERY_RULE,
  claim(a, win, ts, stream, offset, reading), which returns
  2 (granted), 3 (refused: locked already) or 4 (refused: a lift's grace period),
  offence, ttl, lockedUntil (4: 0, 0, the grace's end).
]]
-- As EVERY_RULE in src/window/store.ts: no rule id is '*' (rules/schema.ts).
local EVERY_RULE = '*'

local function claim(a, win, ts, stream, offset, reading)
  local sp, O = win.sp, offencesOf(a)
  local st = O[sp.rule] -- { lockedUntil, offences, lastOffenceAt, keepUntil, deadline [, grace] }
  if st and st[4] <= ts then st = nil end
  if st and ts < st[1] then
    if st[6] then return 4, 0, 0, st[1] end
    return 3, st[2], st[1] - st[3], st[1]
  end
  local every = O[EVERY_RULE]
  if every and ts < every[1] then return 4, 0, 0, every[1] end
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
  return 2, offence, ttl, ts + ttl
end
