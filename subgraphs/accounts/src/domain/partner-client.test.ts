import { describe, expect, it } from 'vitest';
import { checkPartnerName, keyPrefixOf } from './partner-client.ts';

describe('partner client rules', () => {
  it('a partner name is trimmed; an empty or very long one is refused', () => {
    expect(checkPartnerName('  Acme Feeds ')).toEqual({ ok: true, name: 'Acme Feeds' });
    expect(checkPartnerName('   ').ok).toBe(false);
    expect(checkPartnerName('x'.repeat(101)).ok).toBe(false);
  });

  it('staff see the mark and 8 characters of a key, not the key', () => {
    expect(keyPrefixOf(`cpk_${'A'.repeat(43)}`)).toBe('cpk_AAAAAAAA');
  });
});
