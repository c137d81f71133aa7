--[[
  apply, part 10 of 10: each actor's state and offences written back (KEYS[3a-2],
  KEYS[3a]), then the reply.

  A value is written with its latest deadline as its expiry, or deleted when nothing in
  it is live: the state lives as long as its longest live window, or an hour after its
  last position (`qd`), never the outbox's day or the offences' retention.

  Uses: the parts before. Returns out: the steps' part (09-steps.lua), then per actor
  the number of pending lockouts found at the start and their JSON records (08-claim.lua).
]]
-- Writes a value that lives until `deadline`, or deletes it when nothing in it is live.
local function store(key, value, deadline)
  if deadline > now then
    redis.call('SET', key, cmsgpack.pack(value), 'PX', math.ceil(deadline - now))
  else
    redis.call('DEL', key)
  end
end

for a = 1, nActors do
  local A = actors[a]
  if next(newest[a]) then
    A.q = A.q or {}
    for stream, offset in pairs(newest[a]) do A.q[stream] = offset end
    A.qd = now + math.max(longest[a], 3600000)
  end
  if dirty[a] then
    -- Not the outbox's day (`p`): windows would outlive their deadlines in the value.
    local deadline = A.qd or 0
    for field, st in pairs(opened[a]) do
      trimRecent(st)
      A.w[field] = cmsgpack.pack(st)
      A.x[field] = st[D]
    end
    for _, windowDeadline in pairs(A.x) do
      if windowDeadline > deadline then deadline = windowDeadline end
    end
    store(KEYS[3 * a - 2], A, deadline)
  end
  if offencesDirty[a] then
    local deadline = 0
    for _, st in pairs(offences[a]) do if st[5] > deadline then deadline = st[5] end end
    store(KEYS[3 * a], offences[a], deadline)
  end
end

for a = 1, nActors do
  local pending = pendingAtStart[a]
  n = n + 1
  out[n] = #pending
  for _, record in ipairs(pending) do n = n + 1; out[n] = record end
end
return out
