import { hashPartnerKey } from '@commerce/service-kit';
import { describe, expect, it } from 'vitest';
import { checkPartnerName, newPartnerKey } from './partner-key.ts';

describe('partner keys', () => {
  it('a key carries 32 random bytes, and only its hash and a short prefix are meant for storage', () => {
    const { apiKey, keyPrefix, keyHash } = newPartnerKey();
    expect(apiKey).toMatch(/^cpk_[\w-]{43}$/);
    expect(apiKey.startsWith(keyPrefix)).toBe(true);
    expect(keyPrefix).toHaveLength(12);
    expect(keyHash).toBe(hashPartnerKey(apiKey));
    expect(keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyHash).not.toContain(apiKey.slice(4));
  });

  it('two keys never repeat', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newPartnerKey().apiKey));
    expect(keys.size).toBe(100);
  });

  it('a partner name is trimmed; an empty or very long one is refused', () => {
    expect(checkPartnerName('  Acme Feeds ')).toEqual({ ok: true, name: 'Acme Feeds' });
    expect(checkPartnerName('   ').ok).toBe(false);
    expect(checkPartnerName('x'.repeat(101)).ok).toBe(false);
  });
});
