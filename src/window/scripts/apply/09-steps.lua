--[[
  apply, part 9 of 10: the steps, in order (ARGV[at], the binary argument of
  01-arguments.lua: per step little-endian doubles actor, window, ts, stream, offset,
  then its values).

  A step whose offset is at or below the highest its actor applied for its stream is a
  redelivery: its reading is peeked at, nothing changes. Otherwise it is observed, and
  a reading that fires claims a lockout.

  Uses: the parts before. Defines: out, n (the reply so far, per step: flag (0
  redelivered, 1 applied, 2 granted, 3 refused, 4 refused in a grace period), the
  reading's figures, and after a
  claim offence, ttl, lockedUntil).
]]
local out = {}
local n = 0
local steps = ARGV[at]
local pos, last = 1, #steps
local unpack = struct.unpack
-- A counter step's amounts, read into one table that every counter step reuses (the
-- window adds them at once, nothing keeps the table): no table per step.
local amounts = {}
while pos <= last do
  local a, w, ts, si, offset
  a, w, ts, si, offset, pos = unpack('<ddddd', steps, pos)
  local win = windows[w]
  local sp = win.sp
  local values
  if sp.k == 'c' then
    values = amounts
    for f = 1, sp.p1 do values[f], pos = unpack('<d', steps, pos) end
  else
    values, pos = unpack('<d', steps, pos)
  end
  local A = actors[a]
  local span = sp.win + sp.bkt
  if span > longest[a] then longest[a] = span end
  local isNew, stream = true, nil
  if si > 0 then
    stream = streams[si]
    local seen = A.q and A.q[stream]
    isNew = seen == nil or offset > seen
    if isNew then
      local top = newest[a][stream]
      if top == nil or offset > top then newest[a][stream] = offset end
    end
  else
    offset = nil
  end
  local reading
  if isNew then
    reading = observe(a, win, ts, values)
    dirty[a] = true
  else
    reading = peek(a, win, ts, values)
  end
  local flagAt = n + 1
  out[flagAt] = isNew and 1 or 0
  n = n + 1
  local figures = #reading
  for f = 1, figures do out[n + f] = reading[f] end
  n = n + figures
  if isNew and fires(sp, reading) then
    local result, offence, ttl, lockedUntil = claim(a, win, ts, stream, offset, reading)
    out[flagAt] = result
    out[n + 1] = offence
    out[n + 2] = ttl
    out[n + 3] = lockedUntil
    n = n + 3
  end
end
