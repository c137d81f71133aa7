// A log of many fresh actors in little time, for replay's memory cap (issue 9, item 10):
// each actor (its own address, session and user) reads three records on three routes,
// so every shipped rule that can opens windows for it. Deterministic.
//   npx tsx bench/flood-log.ts ACTORS [MINUTES] > flood.jsonl
const actors = Number(process.argv[2] ?? 100_000);
const minutes = Number(process.argv[3] ?? 10);
const start = Date.parse('2026-01-05T09:00:00Z');
const routes = ['/api/customers/', '/api/orders/', '/api/users/'];
const lines: string[] = [];
for (let a = 0; a < actors; a += 1) {
  const ts = start + Math.floor((a * minutes * 60_000) / actors);
  const ip = `10.${(a >> 16) & 255}.${(a >> 8) & 255}.${a & 255}`;
  routes.forEach((route, r) => {
    const id = ((a * 7_919 + r * 104_729) % 9_000_000) + 1_000_000;
    const event = { ts: ts + r, ip, method: 'GET', path: `${route}${id}`, status: 200 };
    lines.push(JSON.stringify({ ...event, bytes: 800, session: `s-${a}`, user: `u-${a}` }));
  });
  if (lines.length >= 30_000) process.stdout.write(`${lines.splice(0).join('\n')}\n`);
}
process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
