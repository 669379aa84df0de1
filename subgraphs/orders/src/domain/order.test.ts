import { describe, expect, it } from 'vitest';
import { lineTotalCents, maySee, maySeeOrdersOf } from './order.ts';

const ada = { kind: 'user' as const, userId: 'a0000000-0000-4000-a000-000000000001', role: 'CUSTOMER' as const };
const grace = { kind: 'user' as const, userId: 'a0000000-0000-4000-a000-000000000002', role: 'CUSTOMER' as const };
const staff = { kind: 'user' as const, userId: 'a0000000-0000-4000-a000-000000000003', role: 'STAFF' as const };

describe('who may see an order', () => {
  it('its customer and staff; not another customer; not an anonymous caller', () => {
    const order = { customerId: ada.userId };
    expect(maySee(ada, order)).toBe(true);
    expect(maySee(staff, order)).toBe(true);
    expect(maySee(grace, order)).toBe(false);
    expect(maySee({ kind: 'anonymous' }, order)).toBe(false);
  });

  it("a customer's list of orders follows the same rule", () => {
    expect(maySeeOrdersOf(ada, ada.userId)).toBe(true);
    expect(maySeeOrdersOf(grace, ada.userId)).toBe(false);
    expect(maySeeOrdersOf(staff, ada.userId)).toBe(true);
  });
});

describe('line totals', () => {
  it('are quantity times the unit price at order time', () => {
    expect(lineTotalCents({ quantity: 3, unitPriceCents: 1250 })).toBe(3750);
  });
});
