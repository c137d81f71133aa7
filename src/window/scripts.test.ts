import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  assembleScript,
  COMMIT_SCRIPT,
  COMMIT_SCRIPT_PARTS,
  LIFT_SCRIPT,
  LIFT_SCRIPT_PARTS,
  SCRIPTS_DIR,
} from './scripts.js';
import { LAYOUT, OUTBOX_TTL_MS } from './state-value.js';
import { EVERY_RULE } from './store.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const part = (name: string) => readFileSync(new URL(name, SCRIPTS_DIR), 'utf8');

describe('the commit script', () => {
  it('is assembled from every part in its folder, each part once, in the declared order', () => {
    const files = readdirSync(new URL('commit/', SCRIPTS_DIR)).filter((name) =>
      name.endsWith('.lua'),
    );
    expect([...COMMIT_SCRIPT_PARTS].sort()).toEqual(files.map((name) => `commit/${name}`).sort());
    let from = 0;
    for (const name of COMMIT_SCRIPT_PARTS) {
      const at = COMMIT_SCRIPT.indexOf(part(name), from);
      expect(at, name).toBeGreaterThanOrEqual(from);
      from = at + part(name).length;
    }
  });

  it('opens each part with a header naming its place and what it uses or defines', () => {
    COMMIT_SCRIPT_PARTS.forEach((name, i) => {
      const text = part(name);
      const header = text.slice(0, text.indexOf(']]'));
      expect(header, name).toMatch(
        new RegExp(`^--\\[\\[\\n  commit, part ${i + 1} of ${COMMIT_SCRIPT_PARTS.length}`),
      );
      expect(header, name).toMatch(/Uses:|Defines:/);
      // Parts a newcomer reads in one sitting.
      expect(text.split('\n').length, name).toBeLessThanOrEqual(150);
    });
  });

  it('keeps an outbox as long as Node says its value may point to it (OUTBOX_TTL_MS)', () => {
    expect(/^local OUTBOX_TTL_MS = (\d+)$/m.exec(COMMIT_SCRIPT)?.[1]).toBe(String(OUTBOX_TTL_MS));
  });

  it('has the same text, hence the same SHA for EVALSHA, every time it is assembled', () => {
    expect(sha1(assembleScript(COMMIT_SCRIPT_PARTS))).toBe(sha1(COMMIT_SCRIPT));
  });
});

describe('the lift script', () => {
  it('reads state values of the layout Node writes (state-value.ts)', () => {
    const layout = (script: string) => /^local LAYOUT = (\d+)$/m.exec(script)?.[1];
    expect(layout(COMMIT_SCRIPT)).toBe(String(LAYOUT));
    expect(layout(LIFT_SCRIPT)).toBe(String(LAYOUT));
    expect(sha1(assembleScript(LIFT_SCRIPT_PARTS))).toBe(sha1(LIFT_SCRIPT));
  });

  it('names the marker of every rule as the commit script and the memory store do', () => {
    expect(COMMIT_SCRIPT).toContain(`local EVERY_RULE = '${EVERY_RULE}'`);
    expect(LIFT_SCRIPT).toContain(`O = { ['${EVERY_RULE}'] = marker }`);
  });
});
