--[[
  commit, part 1 of 7: the arguments.

  The script: the values of one batch's actors (of one shard), computed in Node
  (src/window/state-value.ts) from the values read before, written back only where
  the value is still the one read, and the lockouts their fired readings claim, in
  order, atomically. An actor whose value changed since it was read (another instance,
  a lift) is left as it is and said to be in conflict: the store reads it again and
  does its steps again. The claim is the policy of src/decide/policy.ts
  (05-claim.lua). Its parts (scripts/commit/*.lua) are joined in order by
  src/window/scripts.ts into ONE script, sent as one EVALSHA per group: a local of one
  part is seen by the parts after.

  KEYS     per actor a (1-based), named by src/window/keys.ts (never built here):
           KEYS[3a-2] its state, KEYS[3a-1] its outbox, KEYS[3a] its offences
           (layouts: state-value.ts, 05-claim.lua, 02-offences.lua)
  ARGV     now (wall-clock ms), number of actors
           S, then S specs: rule, kind (c|s|d), windowMs, bucketMs, p1, p2, p3,
                 ttl, hasEscalation [factor, maxTtl, forgetAfter],
                 M, then M thresholds, hasRatio [num, den, ratio, minDen, minNum]
                 (a claim reads rule, ttl and escalation; shard-call.ts writes them)
           W, then W windows: spec, route sealed ('' none, for the outbox)
           T, then T streams
           then one binary argument, per actor: flags (a byte: 1 read its outbox, 2 the
                 value read is of the layout before issue 9, 4 write), the value read
                 (32-bit little-endian length, then its bytes; empty: none), the value to
                 write (the same; empty: delete), its time to live (ms, a double)
                 (one argument, not four per actor: ioredis copies each argument)
           C, then C claims, in step order: actor, window, ts, stream (0: none), offset,
                 F, then the reading's F figures
  Returns  per actor: -1 (conflict: nothing done) or the number of pending lockouts
           its outbox held, and their JSON records; then per claim: result (2 granted,
           3 refused: locked already, 4 refused: a lift's grace period, 0: its actor
           is in conflict), offence, ttl, lockedUntil.

  Defines: OUTBOX_TTL_MS, LAYOUT, now, nActors, specs, windows, streams, read, flags,
  written, ttls (per actor), and `at`, the index of the claims' count.
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
    p1 = tonumber(arg()), p2 = tonumber(arg()), p3 = tonumber(arg()), ttl = tonumber(arg()),
  }
  if arg() == '1' then sp.esc = { tonumber(arg()), tonumber(arg()), tonumber(arg()) } end
  local min = {}
  for m = 1, tonumber(arg()) do min[m] = tonumber(arg()) end
  sp.min = min
  if arg() == '1' then
    sp.rat = { tonumber(arg()), tonumber(arg()), tonumber(arg()), tonumber(arg()), tonumber(arg()) }
  end
  specs[s] = sp
end

local windows = {}
for d = 1, tonumber(arg()) do
  local sp = specs[tonumber(arg())]
  local route = arg()
  windows[d] = { sp = sp, route = route ~= '' and route or nil }
end

local streams = {}
for t = 1, tonumber(arg()) do streams[t] = arg() end

local read, flags, written, ttls = {}, {}, {}, {}
local values, pos = arg(), 1
for a = 1, nActors do
  flags[a], read[a], written[a], ttls[a], pos = struct.unpack('<BI4c0I4c0d', values, pos)
end
