--[[
  apply, part 7 of 10: a step's observation applied to its actor's window, or the
  window's reading peeked at (a redelivered record changes nothing).

  An actor's windows stay msgpack-encoded in its state (w: field -> bytes, x: field ->
  deadline): a call decodes only the windows its steps touch (opened[a]), and
  10-write-back.lua encodes them again, instead of unpacking and packing every window
  of the actor.

  Uses: now, actors, opened, and 05-window.lua. Defines: observe(a, win, ts, values),
  peek(a, win, ts, values); both return the reading (a table of figures; a sequence's has a
  third, not summed: 1 when this step's id counted as close, as memory-store.ts).
]]
local function applyCounter(st, sp, ts, amounts)
  local b, live = advance(st, ts, sp)
  if live then
    local at = entry(st, b, sp, sp.figures + 1)
    for fig = 1, sp.figures do st[at + fig] = st[at + fig] + amounts[fig] end
  end
  return sums(st, sp)
end

local function applyDistinct(st, sp, ts, bitIndex)
  local b, live = advance(st, ts, sp)
  if live then
    -- The union's count before this bit, on the buckets live now (entry drops dead ones).
    unionBitsSet(st, sp)
    local at = entry(st, b, sp, 2)
    local byte = math.floor(bitIndex / 8) + 1
    local mask = 2 ^ (bitIndex % 8)
    local s = st[at + 1]
    local old = string.byte(s, byte)
    if bit.band(old, mask) == 0 then
      st[at + 1] = s:sub(1, byte - 1) .. string.char(bit.bor(old, mask)) .. s:sub(byte + 1)
      unionGainsBit(st, sp, at, b, byte, mask)
    end
  end
  return distinctReading(st, sp)
end

local function currentState(a, win, ts)
  local open = opened[a]
  local st = open[win.field]
  if st == nil then
    local raw = actors[a].w[win.field]
    if raw == nil then return nil end
    st = type(raw) == 'string' and cmsgpack.unpack(raw) or raw
    open[win.field] = st
  end
  if wouldExpire(st, ts, win.sp) then return nil end
  return st
end

-- values: the step's amounts (c, a table), or its id (s) or bit (d).
local function observe(a, win, ts, values)
  local sp = win.sp
  local st = currentState(a, win, ts)
  if not st then
    st = newWindow(sp)
    opened[a][win.field] = st
  end
  st[D] = now + sp.win + sp.bkt
  if sp.k == 'c' then return applyCounter(st, sp, ts, values) end
  if sp.k == 's' then return applySequence(st, sp, ts, values) end
  return applyDistinct(st, sp, ts, values)
end

-- The reading as it stands, for a redelivered record: nothing changes.
local function peek(a, win, ts, values)
  local sp = win.sp
  local st = currentState(a, win, ts)
  if sp.k == 'd' then
    if not st then return freshReading(sp) end
    return distinctReading(st, sp)
  end
  local reading = st and sums(st, sp) or freshReading(sp)
  -- A sequence's third figure: whether the id sits among the recent ids now.
  if sp.k == 's' then reading[3] = (st and closeToOthers(st, sp, values)) and 1 or 0 end
  return reading
end
