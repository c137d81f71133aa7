--[[
  apply, part 6 of 10: a sequence step (ids walked in order) applied to its window, and
  the close-id test of a redelivered one (no keys, no arguments).

  The window's R slot holds its recent ids, oldest first (05-window.lua). While a call
  runs, the list may hold up to 2 p2 ids of which the last p2 are live: the oldest leave
  by moving a start (liveFrom), and are dropped p2 at a time instead of one shift of the
  list per step; trimRecent cuts the list to its live ids before the window is written
  back (10-write-back.lua), so a stored list holds at most p2 ids, as before. A list
  longer than SCAN_IDS also gets, for the call, the set of its ids (id -> true): a step
  looks its id up there instead of scanning every recent id (a route's sweep window keeps
  64), and scans only the last p3 for a close one. Both are keyed by the window's table,
  so a window replaced (expired) in the call starts afresh. Readings are those of
  memory-store.ts (the store differential holds both to it).

  Uses: 05-window.lua. Defines: trimRecent(st), applySequence(st, sp, ts, id),
  closeToOthers(st, sp, id).
]]
local SCAN_IDS = 16
local liveFrom, recentSets = {}, {}

local function trimRecent(st)
  local from = liveFrom[st]
  if from == nil or from == 1 then return end
  local recent = st[R]
  local n = #recent
  for i = from, n do recent[i - from + 1] = recent[i] end
  for i = n - from + 2, n do recent[i] = nil end
  liveFrom[st] = 1
end

-- The position of id among the live recent ids, newest first; nil when it is not there.
local function recentPosition(st, id, from)
  local recent = st[R]
  local set = recentSets[st]
  if set and not set[id] then return nil end
  for i = #recent, from, -1 do
    if recent[i] == id then return i end
  end
  return nil
end

local function applySequence(st, sp, ts, id)
  local b, live = advance(st, ts, sp)
  local seen, close = false, false
  if live then
    local recent = st[R]
    local last = #recent
    local first = liveFrom[st]
    if first == nil then
      first = last > sp.p2 and last - sp.p2 + 1 or 1
      liveFrom[st] = first
    end
    local set = recentSets[st]
    if set == nil and last - first >= SCAN_IDS then
      set = {}
      for i = first, last do set[recent[i]] = true end
      recentSets[st] = set
    end
    local at = recentPosition(st, id, first)
    if at then
      -- A repeat moves its id to the newest end (memory-store.ts, the same rule).
      seen = true
      table.remove(recent, at)
      recent[last] = id
    else
      -- Close: within the gap of one of the last p3 recent ids (all when 0).
      local from = first
      if sp.p3 > 0 and last - sp.p3 + 1 > from then from = last - sp.p3 + 1 end
      local gap = sp.p1
      for i = from, last do
        local d = recent[i] - id
        if d <= gap and d >= -gap then close = true; break end
      end
      -- A repeat fetches no new record: it counts in neither figure (close ids, new ids).
      local bucketAt = entry(st, b, sp, 3)
      st[bucketAt + 2] = st[bucketAt + 2] + 1
      if close then st[bucketAt + 1] = st[bucketAt + 1] + 1 end
      recent[last + 1] = id
      if set then set[id] = true end
      if last + 2 - first > sp.p2 then
        if set then set[recent[first]] = nil end
        liveFrom[st] = first + 1
        if first >= sp.p2 then trimRecent(st) end
      end
    end
  end
  -- The third figure: this id counted as close (a repeat or a late id did not).
  local reading = sums(st, sp)
  reading[3] = (not seen and close) and 1 or 0
  return reading
end

-- Whether `id` lies within the gap of one of the recent ids other than itself: a
-- redelivered sequence step's third figure, so a route's participant that a crash
-- left unlocked is locked when its record comes again (memory-store.ts, same rule).
local function closeToOthers(st, sp, id)
  local recent, gap = st[R], sp.p1
  local from = #recent - (sp.p3 > 0 and sp.p3 or sp.p2) + 1
  if from < (liveFrom[st] or 1) then from = liveFrom[st] or 1 end
  for i = from, #recent do
    local d = recent[i] - id
    if d ~= 0 and d <= gap and d >= -gap then return true end
  end
  return false
end
