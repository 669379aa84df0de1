import { describe, expect, it } from 'vitest';
import { maySee } from './payment.ts';

describe('who may see a payment', () => {
  const payment = { customerId: 'a0000000-0000-4000-a000-000000000001' };

  it('the customer who paid and staff', () => {
    expect(maySee({ kind: 'user', userId: payment.customerId, role: 'CUSTOMER' }, payment)).toBe(true);
    expect(maySee({ kind: 'user', userId: crypto.randomUUID(), role: 'STAFF' }, payment)).toBe(true);
  });

  it('not another customer, nor an anonymous caller', () => {
    expect(maySee({ kind: 'user', userId: crypto.randomUUID(), role: 'CUSTOMER' }, payment)).toBe(false);
    expect(maySee({ kind: 'anonymous' }, payment)).toBe(false);
  });
});
