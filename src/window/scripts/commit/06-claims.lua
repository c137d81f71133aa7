--[[
  commit, part 6 of 7: the claims of fired readings, in step order (05-claim.lua).

  Uses: at, windows, streams, conflict, claim. Defines: out, n (the claims' part of the
  reply, written after the actors' part by 07-write-back.lua).
]]
local claims = {}
local nc = 0
for c = 1, tonumber(ARGV[at]) do
  local a, w, ts = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local si, offset, figures = tonumber(ARGV[at + 4]), tonumber(ARGV[at + 5]), tonumber(ARGV[at + 6])
  local reading = {}
  for f = 1, figures do reading[f] = tonumber(ARGV[at + 6 + f]) end
  at = at + 6 + figures
  if conflict[a] then
    claims[nc + 1], claims[nc + 2], claims[nc + 3], claims[nc + 4] = 0, 0, 0, 0
  else
    local stream = si > 0 and streams[si] or nil
    local result, offence, ttl, lockedUntil =
      claim(a, windows[w], ts, stream, stream and offset or nil, reading)
    claims[nc + 1], claims[nc + 2], claims[nc + 3], claims[nc + 4] = result, offence, ttl, lockedUntil
  end
  nc = nc + 4
end
