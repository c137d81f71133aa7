// What an operator sees of kafkajs' own log lines (issue 13, item 5): retried failures
// and cautions that do not apply here are debug, real trouble keeps its level.
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { translateKafkajsLog } from './kafkajs-log.js';

const base = { timestamp: '2026-12-06T05:08:33.670Z', logger: 'kafkajs' };

describe('translateKafkajsLog', () => {
  it("puts a fresh broker's retried coordinator errors at debug", () => {
    for (const error of [
      "The coordinator is loading and hence can't process requests for this group",
      'The group coordinator is not available',
      'This is not the correct coordinator for this group',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
    ]) {
      const entry = { ...base, message: 'Response GroupCoordinator(key: 10, version: 2)', error };
      const translated = translateKafkajsLog(logLevel.ERROR, entry);
      expect(translated.level, error).toBe('debug');
      expect(translated.fields).toMatchObject({ error, retried: true });
    }
  });

  it('puts a routine rebalance at debug (the response) and info (the re-join)', () => {
    const response = translateKafkajsLog(logLevel.ERROR, {
      ...base,
      message: 'Response Heartbeat(key: 12, version: 3)',
      error: 'The group is rebalancing, so a rejoin is needed',
    });
    expect(response.level).toBe('debug');
    const rejoin = translateKafkajsLog(logLevel.WARN, {
      ...base,
      message: 'The group is rebalancing, re-joining',
      groupId: 'exfilguard',
    });
    expect(rejoin).toEqual({
      level: 'info',
      message: 'The group is rebalancing, re-joining',
      fields: { groupId: 'exfilguard' },
    });
  });

  it('puts a produce that kafkajs retries at debug (a transaction right after another)', () => {
    const concurrent =
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    for (const message of [`Failed to send messages: ${concurrent}`, concurrent]) {
      const translated = translateKafkajsLog(logLevel.ERROR, {
        ...base,
        message,
        retryCount: 0,
        retryTime: 11,
      });
      expect(translated.level, message).toBe('debug');
      expect(translated.fields).toEqual({ retryCount: 0, retryTime: 11, retried: true });
    }
    // A failure that is not retried keeps its level.
    const refused = translateKafkajsLog(logLevel.ERROR, {
      ...base,
      message:
        'Failed to send messages: Not authorized to access topics: [Topic authorization failed]',
    });
    expect(refused.level).toBe('error');
  });

  it("puts the idempotent producer's caution at debug, with why it does not apply", () => {
    const translated = translateKafkajsLog(logLevel.WARN, {
      ...base,
      message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees',
    });
    expect(translated.level).toBe('debug');
    expect(translated.fields.why).toMatch(/transaction/);
  });

  it('says a refused connection once per attempt, as a retry', () => {
    const socket = translateKafkajsLog(logLevel.ERROR, {
      ...base,
      message: 'Connection error: connect ECONNREFUSED 127.0.0.1:1',
      broker: '127.0.0.1:1',
    });
    expect(socket.level).toBe('debug');
    const pool = translateKafkajsLog(logLevel.ERROR, {
      ...base,
      message:
        'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:1',
      retryCount: 2,
    });
    expect(pool.level).toBe('warn');
    expect(pool.message).toBe(
      'cannot reach a Kafka broker yet; retrying (Connection error: connect ECONNREFUSED 127.0.0.1:1)',
    );
    expect(pool.fields).toEqual({ retryCount: 2 });
  });

  it('keeps the level of anything else, without the repeated timestamp and logger', () => {
    const translated = translateKafkajsLog(logLevel.ERROR, {
      ...base,
      message: 'Response SaslAuthenticate(key: 36, version: 1)',
      error: 'Request is not valid given the current SASL state',
    });
    expect(translated.level).toBe('error');
    expect(translated.fields).toEqual({
      error: 'Request is not valid given the current SASL state',
    });
  });
});
