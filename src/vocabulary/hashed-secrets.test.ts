import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashedSecrets } from './hashed-secrets.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('HashedSecrets', () => {
  const secrets = new HashedSecrets([
    { hash: sha256('alpha-secret'), value: 'alice' },
    { hash: sha256('beta-secret'), value: 'bob' },
  ]);

  it('names the holder of a presented secret', () => {
    expect(secrets.find('alpha-secret')).toBe('alice');
    expect(secrets.find('beta-secret')).toBe('bob');
  });

  it('names nobody for a wrong, empty or hash-shaped secret', () => {
    expect(secrets.find('alpha-secreT')).toBeUndefined();
    expect(secrets.find('')).toBeUndefined();
    // The hash itself is not the secret.
    expect(secrets.find(sha256('alpha-secret'))).toBeUndefined();
  });

  it('ignores a configured hash of the wrong length instead of throwing', () => {
    const odd = new HashedSecrets([{ hash: 'abcd', value: 'short' }]);
    expect(odd.find('anything')).toBeUndefined();
  });
});
