import { hashPartnerKey } from '@commerce/service-kit';
import { describe, expect, it } from 'vitest';
import { newPartnerKey } from './partner-key.ts';

describe('partner keys', () => {
  it('a key carries 32 random bytes; only its SHA-256 and a short prefix are meant for storage', () => {
    const { apiKey, keyPrefix, keyHash } = newPartnerKey();
    expect(apiKey).toMatch(/^cpk_[\w-]{43}$/);
    expect(apiKey.startsWith(keyPrefix)).toBe(true);
    expect(keyPrefix).toHaveLength(12);
    expect(keyHash).toBe(hashPartnerKey(apiKey));
    expect(keyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('two keys never repeat', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newPartnerKey().apiKey));
    expect(keys.size).toBe(100);
  });
});
