// The keyed hash that places a value (a route, or route + object id) in a breadth
// bitmap. Keyed, because an unkeyed hash lets an attacker pick ids that share a few
// bits: 2,000 distinct records read as ~100 (issue 9). The key is derived from the
// detector's key secret (EXFILGUARD_KEY_SECRET), so replay and rule tests given the
// same secret place every value in the same bit as the live detector did.
import { createHmac } from 'node:crypto';
import { sipHash24, sipKeyOf, type SipKey } from './siphash.js';

/**
 * The key of replay and rule tests run without a secret: fixed, so their results are
 * reproducible, and public, so their breadth estimates can be steered by chosen ids.
 * Decisions match the live detector's only with its secret.
 */
export const BUILT_IN_SECRET = 'exfilguard built-in breadth key: not the live detector secret';

/** Domain separation: the Redis key names use the same secret for another HMAC. */
const LABEL = 'exfilguard/breadth-bitmap/v1';

/**
 * The derived key as one thread hands it to another (replay's workers): the HMAC of the
 * secret, never the secret itself, and only through worker data, never a log.
 */
export interface DerivedBreadthKey {
  readonly key: Uint8Array;
  readonly builtIn: boolean;
}

export class DistinctHash {
  readonly #derived: Uint8Array;
  readonly #key: SipKey;
  private buffer = Buffer.alloc(256);

  private constructor(
    derived: Uint8Array,
    /** True for the built-in key: said in replay's summary. */
    readonly builtIn: boolean,
  ) {
    this.#derived = derived;
    this.#key = sipKeyOf(derived);
  }

  static fromSecret(secret: string): DistinctHash {
    return new DistinctHash(derive(secret), false);
  }

  static builtIn(): DistinctHash {
    return new DistinctHash(derive(BUILT_IN_SECRET), true);
  }

  /** The same hash on another thread (`derivedKey` of this one). */
  static fromDerivedKey({ key, builtIn }: DerivedBreadthKey): DistinctHash {
    return new DistinctHash(Uint8Array.from(key), builtIn);
  }

  /** For another thread's `fromDerivedKey`: a copy. */
  derivedKey(): DerivedBreadthKey {
    return { key: Uint8Array.from(this.#derived), builtIn: this.builtIn };
  }

  /** The value's bit in a bitmap of `bits` bits, a power of two. */
  bitOf(value: string, bits: number): number {
    // A UTF-8 byte per UTF-16 unit at most three: grow once for a long value.
    if (value.length * 3 > this.buffer.length) this.buffer = Buffer.alloc(value.length * 3);
    const length = this.buffer.write(value, 'utf8');
    return sipHash24(this.#key, this.buffer, length)[1] & (bits - 1);
  }

  /** Never print key material, whatever logs the rule set. */
  toJSON(): string {
    return this.builtIn ? '[built-in breadth key]' : '[breadth key from the key secret]';
  }
}

function derive(secret: string): Uint8Array {
  return Uint8Array.from(createHmac('sha256', secret).update(LABEL).digest().subarray(0, 16));
}
