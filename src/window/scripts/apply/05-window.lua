--[[
  apply, part 5 of 10: one window's buckets and readings (no keys, no arguments).

  A window: a flat array { deadline, head bucket, buckets kept, recent ids (sequence)
  or the union's bits set (distinct: unionBitsSet) or 0, then per bucket kept: its
  index and its figures (counter, sequence) or its bitmap (distinct) }. Only live
  buckets are kept: a window costs what it holds. The arithmetic of
  src/window/arithmetic.ts and bucket-ring.ts.

  Uses: specs' fields (sp: 01-arguments.lua). Defines: D, H, K, R, E (the slots),
  newWindow(sp), wouldExpire(st, ts, sp), advance(st, ts, sp), entry(st, b, sp, width),
  freshReading(sp), sums(st, sp), unionBitsSet(st, sp),
  unionGainsBit(st, sp, at, b, byte, mask), distinctReading(st, sp).
]]
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
  -- Newest first: buckets are appended in time order, and most steps are in the newest.
  for j = E + (k - 1) * w, E, -w do
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

-- A step's reading, zeroed, of its kind's length (a sequence's third: this id was close):
-- ONE table every step fills, read (reply, fire condition, claim) before the next step.
local READING, readingLength = {}, 0
local function freshReading(sp)
  local n = sp.k == 's' and 3 or math.max(sp.figures, 1)
  for x = n + 1, readingLength do READING[x] = nil end
  for x = 1, n do READING[x] = 0 end
  readingLength = n
  return READING
end

local function sums(st, sp)
  local f = sp.figures
  local t = freshReading(sp)
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

-- Bits set in the union of the live buckets' bitmaps. A distinct window keeps that
-- count in its R slot, { bits set, the oldest bucket counted }, and the count stays
-- true until that bucket dies: only then is the union counted again (the costly part:
-- every byte of every live bitmap). applyDistinct keeps it up to date as bits are set.
local function unionBitsSet(st, sp)
  local oldest = st[H] - sp.n + 1
  local cached = st[R]
  if type(cached) == 'table' and cached[2] >= oldest then return cached[1] end
  local POPCOUNT = popcounts()
  local live = {}
  local first = math.huge
  for j = E, E + (st[K] - 1) * 2, 2 do
    if st[j] >= oldest then
      live[#live + 1] = st[j + 1]
      if st[j] < first then first = st[j] end
    end
  end
  -- No live bucket (a new window's first step): nothing to count, nor to keep.
  if #live == 0 then
    st[R] = 0
    return 0
  end
  local set = 0
  for byte = 1, math.ceil(sp.p1 / 8) do
    local union = 0
    for _, bm in ipairs(live) do union = bit.bor(union, string.byte(bm, byte)) end
    set = set + POPCOUNT[union]
  end
  st[R] = { set, first }
  return set
end

-- Bucket b's bitmap (at st[at + 1]) has just set bit `mask` of `byte`: the union has one
-- more bit unless another live bucket has it. Call after unionBitsSet, which made the
-- count true for the buckets live then.
local function unionGainsBit(st, sp, at, b, byte, mask)
  local oldest = st[H] - sp.n + 1
  for j = E, E + (st[K] - 1) * 2, 2 do
    if j ~= at and st[j] >= oldest and bit.band(string.byte(st[j + 1], byte), mask) ~= 0 then
      return
    end
  end
  local cached = st[R]
  if type(cached) == 'table' then
    cached[1] = cached[1] + 1
    if b < cached[2] then cached[2] = b end
  else
    st[R] = { 1, b }
  end
end

-- Linear counting over the union of the live buckets' bitmaps (arithmetic.ts).
local function distinctReading(st, sp)
  local bits = sp.p1
  local zeros = bits - unionBitsSet(st, sp)
  local reading = freshReading(sp)
  reading[1] = math.floor(-bits * math.log(math.max(zeros, 1) / bits) + 0.5)
  return reading
end
