--[[
  apply, part 1 of 10: the arguments.

  The script: the steps of one batch for the actors of one shard, in order, atomically:
  window updates, fire conditions, lockout claims, redelivery checks and the
  pending-lockout outbox. The same arithmetic as src/window/memory-store.ts and
  arithmetic.ts, the same claim as src/decide/policy.ts; the differential test feeds
  both stores the same random streams. Its parts (scripts/apply/*.lua) are joined in
  order by src/window/apply-script.ts into ONE script, sent as one EVALSHA per shard:
  every part runs in the same call, and a local of one part is seen by the parts after.

  KEYS     per actor a (1-based), named by src/window/keys.ts (never built here):
           KEYS[3a-2] its state, KEYS[3a-1] its outbox, KEYS[3a] its offences
           (their layouts: 04-actor-state.lua, 08-claim.lua, 02-offences.lua)
  ARGV     flat, numbers as text (written by src/window/shard-call.ts):
           now (wall-clock ms), number of actors
           S, then S specs: rule, kind (c|s|d), windowMs, bucketMs,
                 p1 (c: figures, s: max gap, d: bits), p2 (s: recent ids kept),
                 p3 (s: close among the last p3 of them, 0: all),
                 ttl, hasEscalation [factor, maxTtl, forgetAfter],
                 M, then M thresholds (-1: none), hasRatio [num, den, ratio, minDen, minNum]
           D, then D windows: spec, field (in the state), route sealed ('' none, for the outbox)
           T, then T streams
           then one binary argument, the steps: per step little-endian doubles
                 actor, window, ts, stream (0: none), offset,
                 and c: one amount per figure | s: id (offset per actor) | d: bit
                 (one argument, not seven per step: ioredis encodes and Redis
                 decodes each argument, which cost more than the arithmetic)
  Returns  a flat array (decoded by src/window/apply-reply.ts):
           per step  flag (0 redelivered, 1 applied, 2 granted, 3 refused, 4 refused
           in a lift's grace period), the reading's figures, and after a claim
           (flag 2|3|4) offence, ttl, lockedUntil;
           then per actor the number of pending lockouts found at the start, and their
           JSON records.

  This part reads ARGV up to the steps. Defines: OUTBOX_TTL_MS (how long a granted
  lockout waits in the outbox), LAYOUT (of the state value), now, nActors, specs,
  windows (spec, state field, sealed route), streams, and `at`, the index of the steps
  argument.
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
  sp.figures = sp.k == 'c' and sp.p1 or (sp.k == 's' and 2 or 0)
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
