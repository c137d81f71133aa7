// A stream for fault tests: scanners among benign noise, each actor keyed by its
// address (so its events stay in order in one partition, as in replay), and the
// lockouts that replay's engine gives for it — what every run must end with.
import type { AccessEvent } from '../../src/event/access-event.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';
import { Random } from '../../src/simulate/random.js';
import { expect } from 'vitest';
import { receivedLockouts, scanEvents, settle, type Received } from './detector.js';

export function faultWorkload(start: number, scanners = 24, noise = 4000): AccessEvent[] {
  const random = new Random(start % 100_000);
  const events: AccessEvent[] = [];
  for (let s = 0; s < scanners; s += 1) {
    events.push(...scanEvents(scannerIp(s), 70, start + s * 300, 60, 1000 + s * 10_000));
  }
  for (let n = 0; n < noise; n += 1) {
    events.push({
      ts: start + random.int(0, 8000),
      ip: `198.51.100.${random.int(1, 200)}`,
      method: 'GET',
      path: `/api/orders/${random.int(1, 2_000_000)}`,
      status: 200,
      bytes: random.int(500, 3000),
    });
  }
  return events.sort((a, b) => a.ts - b.ts);
}

/** The address of the workload's scanner number `s` (from 0). */
export function scannerIp(s: number): string {
  return `192.0.2.${s + 1}`;
}

/**
 * How many of the workload's `scanners` the reference locks out by address for their
 * scan: all of them, or the reference (and every comparison with it) proves nothing.
 */
export function scannersLockedOut(expected: readonly string[], scanners: number): number {
  const ips = new Set(Array.from({ length: scanners }, (_, s) => scannerIp(s)));
  const locked = expected
    .map((lockout) => /^\S+ sequential-id-scan ip:(\S+)$/.exec(lockout)?.[1])
    .filter((ip) => ip !== undefined && ips.has(ip));
  return new Set(locked).size;
}

/** `id rule scope:subject` of each lockout replay's engine gives, sorted. */
export async function expectedLockouts(events: readonly AccessEvent[]): Promise<string[]> {
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const result = await new DetectionPipeline(compiled, new MemoryWindowStore()).process(events);
  return result.lockouts.map((l) => `${l.id} ${l.rule} ${l.scope}:${l.subject}`).sort();
}

/**
 * The rules whose window is a route's, fed by every actor on it (distributed-sweep):
 * their lockouts depend on how the partitions interleave — which scanner's request is
 * read first once the route's sweep is on — so no two runs, even uninterrupted ones,
 * need agree on them exactly. Actor rules read one actor's events, in order in one
 * partition, and must agree exactly.
 */
export async function routeFedRules(): Promise<ReadonlySet<string>> {
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const ids = compiled.rules
    .filter((rule) => rule.detector.followUp?.owner === 'route')
    .map((rule) => rule.rule.id);
  return new Set(ids);
}

function ruleOfLine(line: string): string {
  return line.split(' ')[1] ?? '';
}

/** Waits for as many lockouts of actor rules as the reference has, then for quiet. */
export async function settleOnReference(
  received: readonly Received[],
  expected: readonly string[],
  routeFed: ReadonlySet<string>,
  timeoutMs: number,
  quietMs = 1500,
): Promise<void> {
  const count = expected.filter((line) => !routeFed.has(ruleOfLine(line))).length;
  await settle(received, count, timeoutMs, quietMs, ofActorRules(routeFed));
}

/** The lockout messages of actor rules (those that count towards `settle`). */
function ofActorRules(routeFed: ReadonlySet<string>): (message: Received) => boolean {
  return (message) => {
    const { rule } = JSON.parse(message.message.value!.toString()) as { rule: string };
    return !routeFed.has(rule);
  };
}

/**
 * What a run must end with, against replay's reference: exactly its lockouts of actor
 * rules (ids included); of route-fed rules, each lockout once, each of a scanner, and
 * the sweep seen when the reference saw it.
 */
export function expectReferenceLockouts(
  received: readonly Received[],
  expected: readonly string[],
  routeFed: ReadonlySet<string>,
  scanners: number,
): void {
  const lines = receivedLockouts(received);
  const actor = (all: readonly string[]): string[] =>
    all.filter((line) => !routeFed.has(ruleOfLine(line)));
  expect(actor(lines)).toEqual(actor(expected));
  const routeLines = lines.filter((line) => routeFed.has(ruleOfLine(line)));
  expect(new Set(routeLines).size, 'a route-fed lockout announced twice').toBe(routeLines.length);
  const ips = new Set(Array.from({ length: scanners }, (_, s) => `ip:${scannerIp(s)}`));
  for (const line of routeLines) expect(ips.has(line.split(' ')[2] ?? ''), line).toBe(true);
  if (expected.some((line) => routeFed.has(ruleOfLine(line))))
    expect(routeLines.length, 'the reference saw a sweep; this run none').toBeGreaterThan(0);
}
