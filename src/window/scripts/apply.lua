--[[
  apply.lua: the steps of one batch for the actors of one shard, in order, atomically:
  window updates, fire conditions, lockout claims, redelivery checks and the
  pending-lockout outbox. The same arithmetic as src/window/memory-store.ts and
  rules-of-time.ts; the differential test feeds both stores the same random streams.

  KEYS     per actor a (1-based): KEYS[3a-2] its state, KEYS[3a-1] its outbox,
           KEYS[3a] its offences
           state: msgpack { v = LAYOUT, w = { field -> msgpack of its window },
                            x = { field -> the window's deadline },
                            q = { stream -> highest offset applied }, qd, p }
             (window layout below: newWindow; ids in windows are offset per actor by
             the caller, fields are keyed hashes: nothing in it names a person)
             every entry carries its deadline (wall-clock ms; `qd` for q): an entry
             past it is gone, as a key of its own would have expired; the value
             expires with its latest deadline. `p`: the outbox may hold lockouts (not
             a deadline of the value: without a state value, the outbox is read).
             A value of an older layout (no `v`) loses its windows, not its offences,
             positions or outbox (upgrade).
           outbox: hash, pending id -> JSON of a granted, unconfirmed lockout
             { rule, ts, o, t, r, rs (route sealed by the caller), s, off }
           offences: msgpack { rule -> offence } (layout: claim), read only by a
             claim, expiring with its own latest deadline: retention keeps counts
             and times for days, never windows
  ARGV     flat, numbers as text:
           now (wall-clock ms), number of actors
           S, then S specs: rule, kind (c|s|d), windowMs, bucketMs,
                 p1 (c: figures, s: max gap, d: bits), p2 (s: recent ids kept),
                 ttl, hasEscalation [factor, maxTtl, forgetAfter],
                 M, then M thresholds (-1: none), hasRatio [num, den, ratio, minDen, minNum]
           D, then D windows: spec, field (in the state), route sealed ('' none, for the outbox)
           T, then T streams
           then one binary argument, the steps: per step little-endian doubles
                 actor, window, ts, stream (0: none), offset,
                 and c: one amount per figure | s: id (offset per actor) | d: bit
                 (one argument, not seven per step: ioredis encodes and Redis
                 decodes each argument, which cost more than the arithmetic)
  Returns a flat array: per step  flag (0 redelivered, 1 applied, 2 granted, 3 refused),
           the reading's figures, and after a claim (flag 2|3) offence, ttl, lockedUntil;
           then per actor the number of pending lockouts found at the start, and their
           JSON records.
]]
local OUTBOX_TTL_MS = 86400000
local LAYOUT = 2
local tonumber = tonumber

local now = tonumber(ARGV[1])
local nActors = tonumber(ARGV[2])
local at = 3

local function arg()
  at = at + 1
  return ARGV[at - 1]
end

local specs = {}
for s = 1, tonumber(arg()) do
  local sp = {
    rule = arg(), k = arg(), win = tonumber(arg()), bkt = tonumber(arg()),
    p1 = tonumber(arg()), p2 = tonumber(arg()), ttl = tonumber(arg()),
  }
  if arg() == '1' then sp.esc = { tonumber(arg()), tonumber(arg()), tonumber(arg()) } end
  local min = {}
  for m = 1, tonumber(arg()) do min[m] = tonumber(arg()) end
  sp.min = min
  if arg() == '1' then
    sp.rat = { tonumber(arg()), tonumber(arg()), tonumber(arg()), tonumber(arg()), tonumber(arg()) }
  end
  sp.figures = sp.k == 'c' and sp.p1 or (sp.k == 's' and 2 or 0)
  -- How a counter step's amounts are read (the other kinds have one value).
  if sp.k == 'c' then sp.tail = '<' .. string.rep('d', sp.p1) end
  sp.n = math.ceil(sp.win / sp.bkt)
  specs[s] = sp
end

local windows = {}
for d = 1, tonumber(ARGV[at]) do
  local route = ARGV[at + 3 * d]
  windows[d] = { sp = specs[tonumber(ARGV[at + 3 * d - 2])], field = ARGV[at + 3 * d - 1],
    route = route ~= '' and route or nil }
end
at = at + 1 + 3 * #windows

local streams = {}
for t = 1, tonumber(ARGV[at]) do streams[t] = ARGV[at + t] end
at = at + 1 + #streams

-- Each actor's state as it stands, with expired entries dropped, and its pending lockouts.
local actors, pendingAtStart, dirty, newest, longest, opened = {}, {}, {}, {}, {}, {}
-- Each actor's offences, read by its first claim (or an upgrade); written if changed.
local offences, offencesDirty = {}, {}

local function liveOffences(o)
  for rule, st in pairs(o) do if st[5] <= now then o[rule] = nil end end
  return o
end

-- A value written before LAYOUT 2 held raw ids, unkeyed window fields and its offences:
-- its windows are dropped (at most one window of detection lost), its offences move to
-- their own key, its positions and outbox marker stay.
local function upgrade(a, old)
  if old.o and next(old.o) then
    offences[a] = liveOffences(old.o)
    offencesDirty[a] = true
  end
  dirty[a] = true
  return { v = LAYOUT, w = {}, x = {}, q = old.q, qd = old.qd, p = old.p }
end

for a = 1, nActors do
  local raw = redis.call('GET', KEYS[3 * a - 2])
  local A
  if raw then
    A = cmsgpack.unpack(raw)
    if A.v ~= LAYOUT then A = upgrade(a, A) end
    for field, deadline in pairs(A.x) do
      if deadline <= now then A.w[field] = nil; A.x[field] = nil end
    end
    if A.q and A.qd <= now then A.q = nil; A.qd = nil end
  else
    A = { v = LAYOUT, w = {}, x = {} }
  end
  local pending = {}
  -- The state may expire before the outbox (a day): without a state, look.
  if A.p or not raw then
    pending = redis.call('HVALS', KEYS[3 * a - 1])
    if #pending == 0 then A.p = nil end
  end
  actors[a] = A
  pendingAtStart[a] = pending
  newest[a] = {}
  opened[a] = {}
  longest[a] = 0
end

-- A window: a flat array { deadline, head bucket, buckets kept, recent ids (sequence;
-- 0 otherwise), then per bucket kept: its index and its figures (counter, sequence) or
-- its bitmap (distinct) }. Only live buckets are kept: a window costs what it holds.
local D, H, K, R, E = 1, 2, 3, 4, 5

local function newWindow(sp)
  return { 0, -1, 0, sp.k == 's' and {} or 0 }
end

local function wouldExpire(st, ts, sp) return math.floor(ts / sp.bkt) - st[H] >= sp.n end

local function advance(st, ts, sp)
  local b = math.floor(ts / sp.bkt)
  if b > st[H] then st[H] = b end
  return b, b > st[H] - sp.n
end

-- The position of bucket b's entry, made (empty) if missing; dead buckets are dropped.
local function entry(st, b, sp, w)
  local k = st[K]
  for j = E, E + (k - 1) * w, w do
    if st[j] == b then return j, false end
  end
  local oldest = st[H] - sp.n + 1
  local kept = 0
  for j = E, E + (k - 1) * w, w do
    if st[j] >= oldest then
      local to = E + kept * w
      if to ~= j then for x = 0, w - 1 do st[to + x] = st[j + x] end end
      kept = kept + 1
    end
  end
  for x = E + kept * w, E + k * w - 1 do st[x] = nil end
  local at = E + kept * w
  st[at] = b
  if sp.k == 'd' then
    st[at + 1] = string.rep('\0', math.ceil(sp.p1 / 8))
  else
    for x = 1, w - 1 do st[at + x] = 0 end
  end
  st[K] = kept + 1
  return at, true
end

local function sums(st, sp)
  local f = sp.figures
  local t = {}
  for x = 1, f do t[x] = 0 end
  local oldest = st[H] - sp.n + 1
  local w = f + 1
  for j = E, E + (st[K] - 1) * w, w do
    if st[j] >= oldest then
      for x = 1, f do t[x] = t[x] + st[j + x] end
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

local function distinctReading(st, sp)
  local POPCOUNT = popcounts()
  local bits = sp.p1
  local oldest = st[H] - sp.n + 1
  local live = {}
  for j = E, E + (st[K] - 1) * 2, 2 do
    if st[j] >= oldest then live[#live + 1] = st[j + 1] end
  end
  local set = 0
  for byte = 1, math.ceil(bits / 8) do
    local union = 0
    for _, bm in ipairs(live) do union = bit.bor(union, string.byte(bm, byte)) end
    set = set + POPCOUNT[union]
  end
  local zeros = bits - set
  if zeros <= 0 then return { math.floor(bits * math.log(bits) + 0.5) } end
  return { math.floor(-bits * math.log(zeros / bits) + 0.5) }
end

local function applyCounter(st, sp, ts, amounts)
  local b, live = advance(st, ts, sp)
  if live then
    local at = entry(st, b, sp, sp.figures + 1)
    for fig = 1, sp.figures do st[at + fig] = st[at + fig] + amounts[fig] end
  end
  return sums(st, sp)
end

local function applySequence(st, sp, ts, id)
  local b, live = advance(st, ts, sp)
  if live then
    local recent = st[R]
    local seen, close, gap = false, false, sp.p1
    -- One pass: seen before ends it; close to one seen before is noted on the way.
    for i = 1, #recent do
      local d = recent[i] - id
      if d == 0 then seen = true; break end
      if d <= gap and d >= -gap then close = true end
    end
    -- A repeat fetches no new record: it counts in neither figure (close ids, new ids).
    if not seen then
      local at = entry(st, b, sp, 3)
      st[at + 2] = st[at + 2] + 1
      recent[#recent + 1] = id
      if #recent > sp.p2 then table.remove(recent, 1) end
      if close then st[at + 1] = st[at + 1] + 1 end
    end
  end
  return sums(st, sp)
end

local function applyDistinct(st, sp, ts, bitIndex)
  local b, live = advance(st, ts, sp)
  if live then
    local at = entry(st, b, sp, 2)
    local byte = math.floor(bitIndex / 8) + 1
    local mask = 2 ^ (bitIndex % 8)
    local s = st[at + 1]
    local old = string.byte(s, byte)
    if bit.band(old, mask) == 0 then
      st[at + 1] = s:sub(1, byte - 1) .. string.char(bit.bor(old, mask)) .. s:sub(byte + 1)
    end
  end
  return distinctReading(st, sp)
end

-- An actor's windows stay msgpack-encoded in its state (w: field -> bytes, x: field ->
-- deadline): a call decodes only the windows its steps touch, and encodes them again
-- at the end (opened), instead of unpacking and packing every window of the actor.

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
local function peek(a, win, ts)
  local sp = win.sp
  local st = currentState(a, win, ts)
  if sp.k == 'd' then
    if not st then return { 0 } end
    return distinctReading(st, sp)
  end
  if not st then
    local zeros = {}
    for x = 1, sp.figures do zeros[x] = 0 end
    return zeros
  end
  return sums(st, sp)
end

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

local function offencesOf(a)
  local o = offences[a]
  if o == nil then
    local raw = redis.call('GET', KEYS[3 * a])
    o = raw and liveOffences(cmsgpack.unpack(raw)) or {}
    offences[a] = o
  end
  return o
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

local out = {}
local n = 0
local steps = ARGV[at]
local pos, last = 1, #steps
local unpack = struct.unpack
while pos <= last do
  local a, w, ts, si, offset
  a, w, ts, si, offset, pos = unpack('<ddddd', steps, pos)
  local win = windows[w]
  local sp = win.sp
  local values
  if sp.k == 'c' then
    values = { unpack(sp.tail, steps, pos) }
    pos = table.remove(values)
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
    reading = peek(a, win, ts)
  end
  local flagAt = n + 1
  out[flagAt] = isNew and 1 or 0
  n = n + 1
  for _, figure in ipairs(reading) do n = n + 1; out[n] = figure end
  if isNew and fires(sp, reading) then
    local result, offence, ttl, lockedUntil = claim(a, win, ts, stream, offset, reading)
    out[flagAt] = result
    out[n + 1] = offence
    out[n + 2] = ttl
    out[n + 3] = lockedUntil
    n = n + 3
  end
end

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
