// The windows held in Redis: the `w` entries of the actors' and routes' state values,
// counted inside Redis (one script call per set of keys). For the benches' bytes per
// actor-rule (`npm run bench`, bench/scanner-bytes.ts).
import type { Redis } from 'ioredis';

const COUNT_WINDOWS = `
local n = 0
for _, key in ipairs(ARGV) do
  -- Only actors' and routes' state values are msgpack maps with windows under w; other
  -- string keys (claims, counters, offences) hold numbers or plain strings.
  if redis.call('TYPE', key).ok == 'string' and key:sub(-4) ~= ':off' then
    local ok, state = pcall(cmsgpack.unpack, redis.call('GET', key))
    if ok and type(state) == 'table' and type(state.w) == 'table' then
      for _ in pairs(state.w) do n = n + 1 end
    end
  end
end
return n`;

/** Windows in the state values among `keys` (other keys count none). */
export async function countWindows(redis: Redis, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  return Number(await redis.eval(COUNT_WINDOWS, 0, ...keys));
}
