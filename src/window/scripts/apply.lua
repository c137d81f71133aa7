--[[
  apply.lua: one actor's steps of one batch, in order, atomically: window updates,
  fire conditions, lockout claims, redelivery checks and the pending-lockout outbox.
  The same arithmetic as src/window/memory-store.ts and rules-of-time.ts; the
  differential test feeds both stores the same random streams.

  KEYS[1]  positions: hash, stream -> highest offset applied for this actor
  KEYS[2]  outbox: hash, pending id -> JSON of a granted, unconfirmed lockout
           (with the triggering record's position, when it has one)
  KEYS[3…] window states and offence states (msgpack strings), named by the steps
  ARGV[1]  JSON: { steps = [ step… ] }, each step:
           w, o    index into KEYS of its window state and of its rule's offence state
           k       "c" counter | "s" sequence | "d" distinct
           ts, win, bkt     event time, window and bucket width (ms)
           add              counter: amounts per figure
           id, gap, rec     sequence: object id, max gap, recent ids kept
           bit, bits        distinct: bit to set, bitmap size
           min              thresholds per figure (-1: none); rat = {num, den, ratio, minDen, minNum}
           ttl, esc         lockout ttl; escalation {factor, maxTtl, forgetAfter}
           s, off           position (stream, offset), optional
           rule, rt         rule id and route, for the outbox record
  Returns a flat array: per step  applied(0|1), n, figure×n, claim(0 none|1 granted|2 refused),
           offence, ttl, lockedUntil;  then the number of pending lockouts found at the
           start, and their JSON records.
]]
local payload = cjson.decode(ARGV[1])
local OUTBOX_TTL_MS = 86400000

local applied = {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do applied[flat[i]] = tonumber(flat[i + 1]) end
local pendingAtStart = redis.call('HVALS', KEYS[2])

local states, expiries = {}, {}
local function load(ix)
  if states[ix] == nil then
    local raw = redis.call('GET', KEYS[ix])
    states[ix] = raw and cmsgpack.unpack(raw) or false
  end
  return states[ix]
end

local function newRing(step, figures)
  local n = math.ceil(step.win / step.bkt)
  local st = { h = -1, n = n, f = figures, i = {}, v = {}, r = {}, bm = {} }
  for s = 1, n do st.i[s] = -1 end
  for x = 1, n * figures do st.v[x] = 0 end
  if step.k == 'd' then
    local empty = string.rep('\0', math.ceil(step.bits / 8))
    for s = 1, n do st.bm[s] = empty end
  end
  return st
end

local function wouldExpire(st, ts, bkt) return math.floor(ts / bkt) - st.h >= st.n end

local function advance(st, ts, bkt)
  local b = math.floor(ts / bkt)
  if b > st.h then st.h = b end
  return b, b > st.h - st.n
end

local function ringAdd(st, b, fig, amount)
  local slot = b % st.n + 1
  local base = (slot - 1) * st.f
  if st.i[slot] ~= b then
    st.i[slot] = b
    for x = 1, st.f do st.v[base + x] = 0 end
  end
  st.v[base + fig] = st.v[base + fig] + amount
end

local function sums(st)
  local t = {}
  for x = 1, st.f do t[x] = 0 end
  local oldest = st.h - st.n + 1
  for s = 1, st.n do
    if st.i[s] >= oldest then
      for x = 1, st.f do t[x] = t[x] + st.v[(s - 1) * st.f + x] end
    end
  end
  return t
end

-- Bits set in a byte; the table is built only by calls that count distinct values.
local POPCOUNT
local function popcounts()
  if not POPCOUNT then
    POPCOUNT = { [0] = 0 }
    for b = 1, 255 do POPCOUNT[b] = POPCOUNT[math.floor(b / 2)] + b % 2 end
  end
  return POPCOUNT
end

local function distinctReading(st, bits)
  local POPCOUNT = popcounts()
  local oldest = st.h - st.n + 1
  local set = 0
  for byte = 1, math.ceil(bits / 8) do
    local union = 0
    for s = 1, st.n do
      if st.i[s] >= oldest then union = bit.bor(union, string.byte(st.bm[s], byte)) end
    end
    set = set + POPCOUNT[union]
  end
  local zeros = bits - set
  if zeros <= 0 then return { math.floor(bits * math.log(bits) + 0.5) } end
  return { math.floor(-bits * math.log(zeros / bits) + 0.5) }
end

local function applyCounter(st, step)
  local b, live = advance(st, step.ts, step.bkt)
  if live then for fig, amount in ipairs(step.add) do ringAdd(st, b, fig, amount) end end
  return sums(st)
end

local function applySequence(st, step)
  local b, live = advance(st, step.ts, step.bkt)
  if live then
    ringAdd(st, b, 2, 1)
    local seen, close = false, false
    for _, r in ipairs(st.r) do if r == step.id then seen = true; break end end
    if not seen then
      for _, r in ipairs(st.r) do if math.abs(r - step.id) <= step.gap then close = true; break end end
      table.insert(st.r, step.id)
      if #st.r > step.rec then table.remove(st.r, 1) end
      if close then ringAdd(st, b, 1, 1) end
    end
  end
  return sums(st)
end

local function applyDistinct(st, step)
  local b, live = advance(st, step.ts, step.bkt)
  if live then
    local slot = b % st.n + 1
    if st.i[slot] ~= b then
      st.i[slot] = b
      st.bm[slot] = string.rep('\0', math.ceil(step.bits / 8))
    end
    local byte = math.floor(step.bit / 8) + 1
    local mask = 2 ^ (step.bit % 8)
    local old = string.byte(st.bm[slot], byte)
    if bit.band(old, mask) == 0 then
      local s = st.bm[slot]
      st.bm[slot] = s:sub(1, byte - 1) .. string.char(bit.bor(old, mask)) .. s:sub(byte + 1)
    end
  end
  return distinctReading(st, step.bits)
end

local function figuresOf(step)
  if step.k == 'c' then return #step.add end
  if step.k == 'd' then return 0 end
  return 2
end

local function currentState(step)
  local st = load(step.w)
  if st and wouldExpire(st, step.ts, step.bkt) then st = false end
  return st
end

local function observe(step)
  local st = currentState(step)
  if not st then st = newRing(step, figuresOf(step)) end
  states[step.w] = st
  expiries[step.w] = step.win + step.bkt
  if step.k == 'c' then return applyCounter(st, step) end
  if step.k == 's' then return applySequence(st, step) end
  return applyDistinct(st, step)
end

-- The reading as it stands, for a redelivered record: nothing changes.
local function peek(step)
  local st = currentState(step)
  if step.k == 'd' then
    if not st then return { 0 } end
    return distinctReading(st, step.bits)
  end
  if not st then
    local zeros = {}
    for x = 1, figuresOf(step) do zeros[x] = 0 end
    return zeros
  end
  return sums(st)
end

local function fires(step, reading)
  for i, min in ipairs(step.min) do
    if min >= 0 and (reading[i] or 0) >= min then return true end
  end
  local rat = step.rat
  if rat then
    local den = reading[rat[2] + 1] or 0
    local num = reading[rat[1] + 1] or 0
    return den >= rat[4] and num >= (rat[5] or 0) and num >= rat[3] * den
  end
  return false
end

local function claim(step, reading)
  local st = load(step.o)
  if st and st.x <= step.ts then st = false end
  if st and step.ts < st.u then return 2, st.n, st.u - st.l, st.u end
  local forget = step.esc and step.esc[3] or 0
  local offence = 1
  if st and step.ts - st.l <= forget then offence = st.n + 1 end
  local ttl = step.ttl
  if step.esc then ttl = math.min(step.esc[2], math.floor(step.ttl * step.esc[1] ^ (offence - 1) + 0.5)) end
  local retention = math.max(ttl, forget)
  states[step.o] = { u = step.ts + ttl, n = offence, l = step.ts, x = step.ts + retention }
  expiries[step.o] = retention
  local record = { rule = step.rule, ts = step.ts, o = offence, t = ttl, r = reading }
  if step.rt then record.rt = step.rt end
  if step.s then record.s = step.s; record.off = step.off end
  local id = step.rule .. '|' .. string.format('%d', step.ts) .. '|' .. string.format('%d', offence)
  redis.call('HSET', KEYS[2], id, cjson.encode(record))
  redis.call('PEXPIRE', KEYS[2], OUTBOX_TTL_MS)
  return 1, offence, ttl, step.ts + ttl
end

local out = {}
local newest = {}
for _, step in ipairs(payload.steps) do
  local isNew = true
  if step.s then
    local seen = applied[step.s]
    isNew = seen == nil or step.off > seen
    if isNew and (newest[step.s] == nil or step.off > newest[step.s]) then newest[step.s] = step.off end
  end
  local reading = isNew and observe(step) or peek(step)
  out[#out + 1] = isNew and 1 or 0
  out[#out + 1] = #reading
  for _, figure in ipairs(reading) do out[#out + 1] = figure end
  if isNew and fires(step, reading) then
    local result, offence, ttl, lockedUntil = claim(step, reading)
    out[#out + 1] = result
    out[#out + 1] = offence
    out[#out + 1] = ttl
    out[#out + 1] = lockedUntil
  else
    for _ = 1, 4 do out[#out + 1] = 0 end
  end
end

for ix, ttl in pairs(expiries) do
  redis.call('SET', KEYS[ix], cmsgpack.pack(states[ix]), 'PX', math.ceil(ttl))
end
local longest = 0
for _, step in ipairs(payload.steps) do longest = math.max(longest, step.win + step.bkt) end
for stream, offset in pairs(newest) do redis.call('HSET', KEYS[1], stream, string.format('%d', offset)) end
if next(newest) then redis.call('PEXPIRE', KEYS[1], math.max(longest, 3600000)) end

out[#out + 1] = #pendingAtStart
for _, record in ipairs(pendingAtStart) do out[#out + 1] = record end
return out
