--[[
  lift, part 2 of 2: the actor's windows cleared, the lifted rules' offences and pending
  lockouts forgotten, and their grace marker written, in one call.

  state (KEYS[1], src/window/state-value.ts): every window goes (w, x), whatever rules
    are lifted: a window's field is an HMAC of rule and route (keys.ts), so one rule's
    windows cannot be told apart without knowing its routes. Positions (q, qd: the
    redelivery memory) and the outbox marker (p) stay; the value keeps the positions'
    deadline, or is deleted when none is live (as state-value.ts would).
  offences (KEYS[3], commit/02-offences.lua): each lifted rule's entry is replaced by a
    grace marker { graceUntil, 0, graceUntil, graceUntil, deadline, 1 } (no offence
    remembered: src/decide/policy.ts liftedState), or, for every rule, every entry by
    one marker under '*' (EVERY_RULE, commit/05-claim.lua). Its deadline (wall clock) is
    max(now, graceUntil) + keepAfter: the grace is judged on event time, which lags the
    wall clock by the consumer's lag, so the marker outlives graceUntil; the claim
    compares event times only, so keeping it longer does not lengthen the grace.
  outbox (KEYS[2], commit/05-claim.lua): the lifted rules' pending lockouts (id
    rule|ts|offence) are deleted: recovered after the lift, they would lock again.

  Uses: the parts before (liveOffences, offencesOf, upgrade).
]]
local raw = redis.call('GET', KEYS[1])
if raw then
  local A = cmsgpack.unpack(raw)
  if A.v ~= LAYOUT then
    local kept
    A, kept = upgrade(A)
    if kept then offences[1] = kept end
  end
  A.w, A.x = {}, {}
  if A.q and A.qd > now then
    redis.call('SET', KEYS[1], cmsgpack.pack(A), 'PX', math.ceil(A.qd - now))
  else
    redis.call('DEL', KEYS[1])
  end
end

local marker = { graceUntil, 0, graceUntil, graceUntil, math.max(now, graceUntil) + keepAfter, 1 }
local O = offencesOf(1)
if lifted then
  for rule in pairs(lifted) do O[rule] = marker end
else
  O = { ['*'] = marker }
end
local deadline = 0
for _, st in pairs(O) do if st[5] > deadline then deadline = st[5] end end
-- Nothing live (a lift naming no rule, of an actor without offences): no value at all.
if deadline > now then
  redis.call('SET', KEYS[3], cmsgpack.pack(O), 'PX', math.ceil(deadline - now))
else
  redis.call('DEL', KEYS[3])
end

for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
  if not lifted or lifted[string.match(id, '^[^|]*')] then redis.call('HDEL', KEYS[2], id) end
end
