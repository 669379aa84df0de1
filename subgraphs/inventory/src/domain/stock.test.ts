import { describe, expect, it } from 'vitest';
import { available, checkLevels, checkRestock, MAX_ON_HAND, MAX_RESTOCK, StockRuleViolation } from './stock.ts';

describe('stock rules', () => {
  it('available is what is on hand and not promised', () => {
    expect(available({ onHand: 10, reserved: 3, version: 4 })).toBe(7);
  });

  it.each([1, MAX_RESTOCK])('accepts a restock of %d units', (quantity) => {
    expect(() => checkRestock(quantity)).not.toThrow();
  });

  it.each([0, -3, 1.5, MAX_RESTOCK + 1])('refuses to restock %d units', (quantity) => {
    expect(() => checkRestock(quantity)).toThrow(StockRuleViolation);
  });

  it('refuses stock past the most a product may hold', () => {
    expect(() => checkLevels({ onHand: MAX_ON_HAND, reserved: 0, version: 1 })).not.toThrow();
    expect(() => checkLevels({ onHand: MAX_ON_HAND + 1, reserved: 0, version: 1 })).toThrow(/cannot hold more/);
  });
});
