import { describe, expect, it } from 'vitest';
import { nulInValue } from './input-strings.ts';

describe('finding a NUL character in what a client sent', () => {
  it('names where it is, however deep: object fields, list items, even a field name', () => {
    expect(nulInValue({ input: { email: 'a\u0000@example.com' } }, 'variables')).toBe('variables.input.email');
    expect(nulInValue({ items: [{ sku: 'ok' }, { sku: 'MUG\u0000' }] }, 'variables')).toBe('variables.items[1].sku');
    expect(nulInValue({ 'odd\u0000': 1 }, 'variables')).toBe('a name in variables');
  });

  it('finds nothing in values without one, including other controls and non-strings', () => {
    expect(nulInValue({ a: 'tab\there', b: 3, c: null, d: true, e: ['x', { f: 'ａｄａ' }] }, 'variables')).toBeNull();
    expect(nulInValue(undefined, 'variables')).toBeNull();
  });
});
