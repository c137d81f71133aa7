import { describe, expect, it } from 'vitest';
import { lockoutCommand, type LockoutOptions } from '../../test/support/lockouts.js';
import { DecisionStream, goDuration, rangeSubjectKeys } from './crowdsec.js';
import { LockoutTable } from './table.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

const lockout = (subject: string, ttlSeconds: number, options: LockoutOptions = {}) =>
  lockoutCommand(subject, ttlSeconds, { nowMs: T0, ...options });

function setup() {
  const clock = { now: T0 };
  const table = new LockoutTable();
  const stream = new DecisionStream(table, { now: () => clock.now });
  return { clock, table, stream };
}

/** A pull whose answer reached the bouncer. */
function take(stream: DecisionStream, ...args: Parameters<DecisionStream['pull']>) {
  const answer = stream.pull(...args);
  answer.delivered();
  return answer;
}

const values = (decisions: readonly { value: string }[]) => decisions.map((d) => d.value);

describe('goDuration', () => {
  it("prints what Go's time.Duration String() prints, rounded to the second", () => {
    expect(goDuration(3 * 3600_000)).toBe('3h0m0s');
    expect(goDuration(59 * 60_000 + 50_000)).toBe('59m50s');
    expect(goDuration(3600_000 + 1000)).toBe('1h0m1s');
    expect(goDuration(5_400)).toBe('5s');
    expect(goDuration(1_500)).toBe('2s'); // half away from zero, as Go's Round
    expect(goDuration(400)).toBe('0s');
    expect(goDuration(0)).toBe('0s');
    expect(goDuration(-2_000)).toBe('-2s');
    expect(goDuration(-61_000)).toBe('-1m1s');
  });
});

describe('DecisionStream', () => {
  it('answers startup with every address lockout in force, IPv6 prefixes as Range', () => {
    const { table, stream } = setup();
    table.applyLockout(lockout('203.0.113.7', 3600), T0);
    table.applyLockout(lockout('2001:db8:1:2::/64', 10_800, { rule: 'slow-id-scan' }), T0);
    const answer = take(stream, 'a', true);
    expect(answer.kind).toBe('startup');
    expect(answer.deleted).toEqual([]);
    expect(answer.new).toEqual([
      {
        id: table.entriesOf('ip:203.0.113.7')[0]!.seq,
        origin: 'exfilguard',
        type: 'ban',
        scope: 'Ip',
        value: '203.0.113.7',
        duration: '1h0m0s',
        scenario: 'exfilguard/sequential-id-scan',
      },
      {
        id: table.entriesOf('ip:2001:db8:1:2::/64')[0]!.seq,
        origin: 'exfilguard',
        type: 'ban',
        scope: 'Range',
        value: '2001:db8:1:2::/64',
        duration: '3h0m0s',
        scenario: 'exfilguard/slow-id-scan',
      },
    ]);
  });

  it('leaves out shadow lockouts, sessions and users', () => {
    const { table, stream } = setup();
    table.applyLockout(lockout('203.0.113.8', 60, { mode: 'shadow' }), T0);
    table.applyLockout(lockout('s3cr3t-session', 60, { scope: 'session' }), T0);
    table.applyLockout(lockout('alice', 60, { scope: 'user' }), T0);
    expect(take(stream, 'a', true).new).toEqual([]);
    expect(stream.size).toBe(0);
    expect(stream.decisionsFor(['ip:203.0.113.8', 'session:s3cr3t-session', 'user:alice'])).toEqual(
      [],
    );
  });

  it('sends what was added since the last pull as new, then nothing', () => {
    const { clock, table, stream } = setup();
    take(stream, 'a', true);
    clock.now += 10_000;
    table.applyLockout(lockout('198.51.100.1', 3600, { nowMs: clock.now }), clock.now);
    clock.now += 10_000;
    const delta = take(stream, 'a', false);
    expect(delta.kind).toBe('delta');
    expect(values(delta.new)).toEqual(['198.51.100.1']);
    expect(delta.new[0]!.duration).toBe('59m50s');
    expect(take(stream, 'a', false)).toMatchObject({ new: [], deleted: [] });
  });

  it('sends a release as deleted with the id and value it was added with', () => {
    const { clock, table, stream } = setup();
    table.applyLockout(lockout('198.51.100.2', 3600), T0);
    const [added] = take(stream, 'a', true).new;
    clock.now += 5_000;
    table.remove({
      scope: 'ip',
      subject: '198.51.100.2',
      rule: 'sequential-id-scan',
      mode: 'enforce',
    });
    const delta = take(stream, 'a', false);
    expect(delta.new).toEqual([]);
    expect(delta.deleted).toHaveLength(1);
    expect(delta.deleted[0]).toMatchObject({ id: added!.id, value: '198.51.100.2', scope: 'Ip' });
    // LAPI: the time left of an ended decision, until it ended (now).
    expect(delta.deleted[0]!.duration).toBe('0s');
    expect(take(stream, 'a', false).deleted).toEqual([]);
  });

  it('turns an expiry into deleted when the sweep drops it, with nothing else happening', () => {
    const { clock, table, stream } = setup();
    table.applyLockout(lockout('198.51.100.3', 2), T0);
    expect(values(take(stream, 'a', true).new)).toEqual(['198.51.100.3']);
    clock.now += 2_500;
    // Lapsed but not swept: neither new nor deleted yet.
    expect(take(stream, 'b', true).new).toEqual([]);
    table.sweep(clock.now);
    const delta = take(stream, 'a', false);
    expect(values(delta.deleted)).toEqual(['198.51.100.3']);
    expect(delta.deleted[0]!.duration).toBe('-1s');
  });

  it('gives one decision per address, the one that ends last, and no delete while another covers it', () => {
    const { clock, table, stream } = setup();
    table.applyLockout(lockout('192.0.2.9', 3600, { rule: 'sequential-id-scan' }), T0);
    table.applyLockout(lockout('192.0.2.9', 6 * 3600, { rule: 'slow-id-scan' }), T0);
    // A shorter one arriving later changes nothing a bouncer sees.
    table.applyLockout(lockout('192.0.2.9', 60, { rule: 'object-breadth' }), T0);
    const startup = take(stream, 'a', true);
    expect(startup.new).toHaveLength(1);
    expect(startup.new[0]).toMatchObject({
      scenario: 'exfilguard/slow-id-scan',
      duration: '6h0m0s',
    });
    expect(take(stream, 'a', false).new).toEqual([]);

    // The longest released: the next longest is sent as new, nothing as deleted.
    clock.now += 1000;
    table.remove({ scope: 'ip', subject: '192.0.2.9', rule: 'slow-id-scan', mode: 'enforce' });
    let delta = take(stream, 'a', false);
    expect(delta.deleted).toEqual([]);
    expect(delta.new).toHaveLength(1);
    expect(delta.new[0]).toMatchObject({
      scenario: 'exfilguard/sequential-id-scan',
      duration: '59m59s',
    });
    const remainingId = delta.new[0]!.id;

    // The short one lapsing under a longer one is invisible.
    clock.now = T0 + 61_000;
    table.sweep(clock.now);
    expect(take(stream, 'a', false)).toMatchObject({ new: [], deleted: [] });

    // The last one going: deleted, with the id it was last sent with.
    table.remove({
      scope: 'ip',
      subject: '192.0.2.9',
      rule: 'sequential-id-scan',
      mode: 'enforce',
    });
    delta = take(stream, 'a', false);
    expect(delta.new).toEqual([]);
    expect(delta.deleted).toHaveLength(1);
    expect(delta.deleted[0]).toMatchObject({
      id: remainingId,
      value: '192.0.2.9',
      scenario: 'exfilguard/sequential-id-scan',
    });
  });

  it('keeps each bouncer its own position, and forgets removals every bouncer has seen', () => {
    const { table, stream } = setup();
    take(stream, 'a', true);
    take(stream, 'b', true);
    table.applyLockout(lockout('192.0.2.10', 60), T0);
    table.remove({
      scope: 'ip',
      subject: '192.0.2.10',
      rule: 'sequential-id-scan',
      mode: 'enforce',
    });
    expect(values(take(stream, 'a', false).deleted)).toEqual(['192.0.2.10']);
    expect(stream.endedSize).toBe(1); // b has not seen it
    expect(values(take(stream, 'b', false).deleted)).toEqual(['192.0.2.10']);
    expect(stream.endedSize).toBe(0);
    // A bouncer's first pull, even without startup=true, is a full answer.
    expect(take(stream, 'c', false).kind).toBe('startup');
  });

  it('repeats an answer that was not delivered', () => {
    const { table, stream } = setup();
    take(stream, 'a', true);
    table.applyLockout(lockout('192.0.2.40', 60), T0);
    const lost = stream.pull('a', false);
    expect(values(lost.new)).toEqual(['192.0.2.40']);
    // The send failed: delivered() never called.
    expect(values(take(stream, 'a', false).new)).toEqual(['192.0.2.40']);
    expect(take(stream, 'a', false).new).toEqual([]);
  });

  it('gives a bouncer that fell behind the forgotten removals a full answer', () => {
    const clock = { now: T0 };
    const table = new LockoutTable();
    const stream = new DecisionStream(table, { now: () => clock.now, maxEnded: 2 });
    take(stream, 'slow', true);
    table.applyLockout(lockout('192.0.2.99', 600), T0);
    for (const last of [1, 2, 3]) {
      table.applyLockout(lockout(`192.0.2.${last}`, 60), T0);
      table.remove({
        scope: 'ip',
        subject: `192.0.2.${last}`,
        rule: 'sequential-id-scan',
        mode: 'enforce',
      });
    }
    expect(stream.endedSize).toBe(2);
    const answer = take(stream, 'slow', false);
    expect(answer.kind).toBe('fell-behind');
    expect(values(answer.new)).toEqual(['192.0.2.99']);
    expect(values(answer.deleted)).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(take(stream, 'slow', false).kind).toBe('delta');
  });

  it('applies the filter without changing what counts as seen', () => {
    const { table, stream } = setup();
    table.applyLockout(lockout('192.0.2.20', 60), T0);
    table.applyLockout(lockout('2001:db8::/64', 60), T0);
    expect(values(take(stream, 'a', true, (d) => d.scope === 'Range').new)).toEqual([
      '2001:db8::/64',
    ]);
  });

  it('answers lookups for an address, a covering /64 included', () => {
    const { table, stream } = setup();
    table.applyLockout(lockout('2001:db8:1:2::/64', 60), T0);
    table.applyLockout(lockout('192.0.2.30', 60), T0);
    expect(values(stream.decisionsFor(['ip:2001:db8:1:2::7', 'ip:2001:db8:1:2::/64']))).toEqual([
      '2001:db8:1:2::/64',
    ]);
    expect(values(stream.all())).toEqual(['2001:db8:1:2::/64', '192.0.2.30']);
  });
});

describe('rangeSubjectKeys', () => {
  it('names the range and the shorter prefixes held; a full-length range is its address', () => {
    expect(rangeSubjectKeys('2001:db8:1:2::/64', [64, 48])).toEqual([
      'ip:2001:db8:1:2::/64',
      'ip:2001:db8:1::/48',
    ]);
    expect(rangeSubjectKeys('2001:db8:1:2:3::/80', [64])).toEqual(['ip:2001:db8:1:2::/64']);
    expect(rangeSubjectKeys('2001:db8:1::/48', [64])).toEqual([]);
    expect(rangeSubjectKeys('192.0.2.1/32', [64])).toEqual(['ip:192.0.2.1']);
    expect(rangeSubjectKeys('192.0.2.0/24', [64])).toEqual([]);
    expect(rangeSubjectKeys('192.0.2.1', [64])).toBeUndefined();
    expect(rangeSubjectKeys('192.0.2.1/33', [64])).toBeUndefined();
    expect(rangeSubjectKeys('nonsense/8', [64])).toBeUndefined();
  });
});
