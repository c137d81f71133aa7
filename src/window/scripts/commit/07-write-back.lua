--[[
  commit, part 7 of 7: each actor's value and offences written (KEYS[3a-2], KEYS[3a]),
  then the reply.

  Node gives the value and its time to live (the latest deadline in it); a value with
  nothing live is deleted. Offences live until their latest deadline.

  Uses: the parts before. Returns: per actor -1 (conflict) or its pending lockouts'
  count and records, then the claims' part (06-claims.lua).
]]
local out, n = {}, 0
for a = 1, nActors do
  if not conflict[a] then
    if bit.band(flags[a], 4) ~= 0 then
      if written[a] ~= '' then
        redis.call('SET', KEYS[3 * a - 2], written[a], 'PX', ttls[a])
      else
        redis.call('DEL', KEYS[3 * a - 2])
      end
    end
    if offencesDirty[a] then
      local deadline = 0
      for _, st in pairs(offences[a]) do if st[5] > deadline then deadline = st[5] end end
      if deadline > now then
        redis.call('SET', KEYS[3 * a], cmsgpack.pack(offences[a]), 'PX', math.ceil(deadline - now))
      else
        redis.call('DEL', KEYS[3 * a])
      end
    end
    local pending = pendingAtStart[a]
    n = n + 1
    out[n] = #pending
    for _, record in ipairs(pending) do n = n + 1; out[n] = record end
  else
    n = n + 1
    out[n] = -1
  end
end
for c = 1, nc do out[n + c] = claims[c] end
return out
