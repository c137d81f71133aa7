import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  APPLY_SCRIPT,
  APPLY_SCRIPT_DIR,
  APPLY_SCRIPT_PARTS,
  assembleApplyScript,
  LIFT_SCRIPT,
} from './apply-script.js';
import { EVERY_RULE } from './store.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe('the apply script', () => {
  it('is assembled from every part in the folder, each part once, in the declared order', () => {
    const files = readdirSync(APPLY_SCRIPT_DIR).filter((name) => name.endsWith('.lua'));
    expect([...APPLY_SCRIPT_PARTS].sort()).toEqual(files.sort());
    let from = 0;
    for (const part of APPLY_SCRIPT_PARTS) {
      const text = readFileSync(new URL(part, APPLY_SCRIPT_DIR), 'utf8');
      const at = APPLY_SCRIPT.indexOf(text, from);
      expect(at, part).toBeGreaterThanOrEqual(from);
      from = at + text.length;
    }
  });

  it('opens each part with a header naming its place and what it uses or defines', () => {
    APPLY_SCRIPT_PARTS.forEach((part, i) => {
      const text = readFileSync(new URL(part, APPLY_SCRIPT_DIR), 'utf8');
      const header = text.slice(0, text.indexOf(']]'));
      expect(header, part).toMatch(
        new RegExp(`^--\\[\\[\\n  apply, part ${i + 1} of ${APPLY_SCRIPT_PARTS.length}`),
      );
      expect(header, part).toMatch(/Uses:|Defines:/);
      // Parts a newcomer reads in one sitting.
      expect(text.split('\n').length, part).toBeLessThanOrEqual(150);
    });
  });

  it('has the same text, hence the same SHA for EVALSHA, every time it is assembled', () => {
    expect(sha1(assembleApplyScript())).toBe(sha1(APPLY_SCRIPT));
  });
});

describe('the lift script', () => {
  it('reads state values of the layout the apply script writes', () => {
    const layout = (script: string) => /^local LAYOUT = (\d+)$/m.exec(script)?.[1];
    expect(layout(APPLY_SCRIPT)).toBeDefined();
    expect(layout(LIFT_SCRIPT)).toBe(layout(APPLY_SCRIPT));
  });

  it('names the marker of every rule as the apply script and the memory store do', () => {
    expect(APPLY_SCRIPT).toContain(`local EVERY_RULE = '${EVERY_RULE}'`);
    expect(LIFT_SCRIPT).toContain(`O = { ['${EVERY_RULE}'] = marker }`);
  });
});
