import { describe, expect, it } from 'vitest';
import { available, MAX_ON_HAND, MAX_RESTOCK, NO_STOCK, restocked, StockRuleViolation } from './stock.ts';

describe('stock rules', () => {
  it('available is what is on hand and not promised', () => {
    expect(available({ onHand: 10, reserved: 3, version: 4 })).toBe(7);
  });

  it('a restock adds to on-hand, keeps reservations and bumps the version', () => {
    expect(restocked({ onHand: 10, reserved: 3, version: 4 }, 5)).toEqual({ onHand: 15, reserved: 3, version: 5 });
  });

  it('the first restock of an unknown product starts from nothing', () => {
    expect(restocked(NO_STOCK, 2)).toEqual({ onHand: 2, reserved: 0, version: 1 });
  });

  it.each([0, -3, 1.5, MAX_RESTOCK + 1])('refuses to restock %d units', (quantity) => {
    expect(() => restocked(NO_STOCK, quantity)).toThrow(StockRuleViolation);
  });

  it('refuses a restock past the most a product may hold', () => {
    expect(() => restocked({ onHand: MAX_ON_HAND, reserved: 0, version: 1 }, 1)).toThrow(/cannot hold more/);
  });
});
