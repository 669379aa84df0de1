/** Stock of one product and the rules that keep it sane. Pure: no I/O. */

export type ProductRef = { id: string };
export type StockLevels = { onHand: number; reserved: number; version: number };

export const MAX_RESTOCK = 1_000_000;
export const MAX_ON_HAND = 1_000_000_000;

/** A product the warehouse has never received: nothing on hand, nothing promised. */
export const NO_STOCK: StockLevels = { onHand: 0, reserved: 0, version: 0 };

export function available(stock: StockLevels): number {
  return stock.onHand - stock.reserved;
}

export class StockRuleViolation extends Error {}

/** Checks a restock of `quantity` units; throws when it breaks a rule. */
export function checkRestock(quantity: number): void {
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_RESTOCK) {
    throw new StockRuleViolation(`A restock is a whole number of units from 1 to ${MAX_RESTOCK}.`);
  }
}

/** Checks stock after a change; throws when it breaks a rule. */
export function checkLevels(stock: StockLevels): void {
  if (stock.onHand > MAX_ON_HAND) {
    throw new StockRuleViolation(`A product cannot hold more than ${MAX_ON_HAND} units.`);
  }
}
