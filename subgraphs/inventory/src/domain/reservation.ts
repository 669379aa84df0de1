/**
 * Inventory's side of an order's saga: what to reserve, whether it can be, and what each saga
 * event does to a reservation in each of its states. Pure: no I/O.
 */
import { available, NO_STOCK, type StockLevels } from './stock.ts';

export type ReservationStatus =
  | 'RESERVED'
  | 'REJECTED'
  | 'RELEASED'
  | 'COMMITTED'
  | 'RETURNED'
  | 'CANCELLED_BEFORE_RESERVATION';

export type ReservationLine = { productId: string; quantity: number };
export type Shortage = { productId: string; requested: number; available: number };

/**
 * One line per product, quantities summed, sorted by product id. orders refuses duplicate lines,
 * but two lines of one product must still be checked against its stock together; and every
 * writer touching several stock rows locks them in this one order, so none deadlocks another.
 */
export function combineLines(lines: readonly ReservationLine[]): ReservationLine[] {
  const byProduct = new Map<string, number>();
  for (const line of lines) byProduct.set(line.productId, (byProduct.get(line.productId) ?? 0) + line.quantity);
  return [...byProduct]
    .map(([productId, quantity]) => ({ productId, quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

/** A stock row as read, and what its reserved count becomes if the reservation goes through. */
export type PlannedLine = ReservationLine & { read: StockLevels; reservedAfter: number };

export type ReservationPlan =
  | { outcome: 'reserve'; lines: PlannedLine[] }
  | { outcome: 'reject'; shortages: Shortage[]; reason: string };

/**
 * All lines or none: every line reserved when each product has enough available, else nothing
 * and the shortages. A product with no stock row has nothing available.
 */
export function planReservation(
  lines: readonly ReservationLine[],
  stock: ReadonlyMap<string, StockLevels>,
): ReservationPlan {
  const combined = combineLines(lines);
  const shortages = combined.flatMap(({ productId, quantity }): Shortage[] => {
    const left = available(stock.get(productId) ?? NO_STOCK);
    return left >= quantity ? [] : [{ productId, requested: quantity, available: Math.max(0, left) }];
  });
  if (shortages.length > 0) return { outcome: 'reject', shortages, reason: describeShortages(shortages) };
  return {
    outcome: 'reserve',
    lines: combined.map((line) => {
      const read = stock.get(line.productId) as StockLevels;
      return { ...line, read, reservedAfter: read.reserved + line.quantity };
    }),
  };
}

/**
 * Why an order could not be reserved, in words. Inventory knows products by id only (names are
 * catalog's, and orders' copy): orders can name them from the shortages it is given.
 */
export function describeShortages(shortages: readonly Shortage[]): string {
  const parts = shortages.map(({ productId, requested, available: left }) =>
    left === 0
      ? `Product ${productId} is out of stock; ${requested} ${requested === 1 ? 'was' : 'were'} asked for.`
      : `Only ${left} of product ${productId} left; ${requested} ${requested === 1 ? 'was' : 'were'} asked for.`,
  );
  return `${parts.join(' ')} Nothing was reserved.`;
}

/** The saga events inventory acts on. */
export type SagaStep = 'placed' | 'cancelled' | 'confirmed' | 'refunded';

/**
 * What inventory does on hearing a step, given where the order's reservation stands (null: none
 * yet). `wait`: the step came before one it depends on (events of one order can be applied in
 * either order), so it is retried later; `ignore`: already done, or overtaken by another step.
 */
export type SagaAction = 'reserve' | 'tombstone' | 'release' | 'commit' | 'return' | 'wait' | 'ignore';

export function actionFor(step: SagaStep, status: ReservationStatus | null): SagaAction {
  switch (step) {
    // Any row, the tombstone of an earlier cancel included, means the placement was answered.
    case 'placed':
      return status === null ? 'reserve' : 'ignore';
    case 'cancelled':
      if (status === null) return 'tombstone';
      return status === 'RESERVED' ? 'release' : 'ignore';
    case 'confirmed':
      if (status === null) return 'wait';
      return status === 'RESERVED' ? 'commit' : 'ignore';
    // Confirmed before refunded: a refund heard while the sale is not yet applied waits for it.
    case 'refunded':
      if (status === null || status === 'RESERVED') return 'wait';
      return status === 'COMMITTED' ? 'return' : 'ignore';
  }
}

/** The status a reservation moves to by an action that changes it. */
export const statusAfter = {
  release: 'RELEASED',
  commit: 'COMMITTED',
  return: 'RETURNED',
  tombstone: 'CANCELLED_BEFORE_RESERVATION',
} as const satisfies Partial<Record<SagaAction, ReservationStatus>>;

/** How each change moves a product's levels by the line's quantity q. */
export const levelChanges = {
  /** Available again: reserved falls. */
  release: (q: number) => ({ onHand: 0, reserved: -q }),
  /** Sold: the units leave on hand and the promise with them; available is unchanged. */
  commit: (q: number) => ({ onHand: -q, reserved: -q }),
  /** Returned: back on hand, available again. */
  return: (q: number) => ({ onHand: q, reserved: 0 }),
} as const;

export type LevelChange = keyof typeof levelChanges;

/**
 * A saga event that came before the one it follows (a confirm before the placement was applied,
 * a refund before the confirm): not an error of the event, so it is retried, and by then the
 * event it follows has been applied.
 */
export class StepArrivedEarly extends Error {
  override name = 'StepArrivedEarly';
}
