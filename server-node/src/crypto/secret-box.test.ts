import { describe, expect, it } from 'vitest';
import { generateMasterKey } from '../cluster/master-key.js';
import { SecretBox } from './secret-box.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The raw bytes of a sealed value (iv, tag, ciphertext) and back. */
const unseal = (sealed: string) => Buffer.from(sealed.slice('v1:'.length), 'base64');
const seal = (raw: Buffer) => `v1:${raw.toString('base64')}`;

describe('SecretBox', () => {
  const box = new SecretBox(generateMasterKey());

  it('opens what it sealed, only in the same context', () => {
    const sealed = box.encrypt('hunter2', 'variable');
    expect(box.decrypt(sealed, 'variable')).toBe('hunter2');
    expect(() => box.decrypt(sealed, 'target-auth')).toThrow();
    expect(() => new SecretBox(generateMasterKey()).decrypt(sealed, 'variable')).toThrow();
  });

  it('refuses a truncated authentication tag, which GCM would otherwise accept as a shorter tag', () => {
    // An empty secret seals to iv + tag alone. A prefix of a GCM tag is a valid shorter tag, so without
    // a pinned tag length a 4-byte tag would pass: 2^32 guesses forge a value.
    const raw = unseal(box.encrypt('', 'variable'));
    expect(raw.length).toBe(IV_BYTES + TAG_BYTES);
    for (const tagBytes of [4, 8, 12, 15]) {
      const truncated = seal(raw.subarray(0, IV_BYTES + tagBytes));
      expect(() => box.decrypt(truncated, 'variable')).toThrow(/truncated/);
    }
    expect(() => box.decrypt(seal(raw.subarray(0, 5)), 'variable')).toThrow(/truncated/);
    expect(box.decrypt(seal(raw), 'variable')).toBe('');
  });

  it('refuses tampered values and anything that is not a sealed secret', () => {
    const raw = unseal(box.encrypt('deploy-password', 'variable'));
    const flipped = Buffer.from(raw);
    flipped[raw.length - 1]! ^= 1;
    expect(() => box.decrypt(seal(flipped), 'variable')).toThrow();
    const wrongTag = Buffer.from(raw);
    wrongTag[IV_BYTES]! ^= 1;
    expect(() => box.decrypt(seal(wrongTag), 'variable')).toThrow();
    expect(() => box.decrypt('plain text', 'variable')).toThrow(/not a sealed secret/);
    expect(() => box.decrypt('v1:', 'variable')).toThrow(/truncated/);
  });
});
