import { describe, expect, it } from 'vitest';
import {
  actionFor,
  combineLines,
  describeShortages,
  levelChanges,
  planReservation,
  type ReservationStatus,
  type SagaAction,
  type SagaStep,
} from './reservation.ts';
import { available, type StockLevels } from './stock.ts';

const A = '00000000-0000-4000-a000-00000000000a';
const B = '00000000-0000-4000-a000-00000000000b';
const C = '00000000-0000-4000-a000-00000000000c';
const stock = (entries: Array<[string, StockLevels]>) => new Map(entries);

describe('the lines a reservation applies', () => {
  it('are one per product, quantities summed, in product-id order', () => {
    expect(
      combineLines([
        { productId: C, quantity: 1 },
        { productId: A, quantity: 2 },
        { productId: C, quantity: 4 },
      ]),
    ).toEqual([
      { productId: A, quantity: 2 },
      { productId: C, quantity: 5 },
    ]);
  });
});

describe('planning a reservation: every line or none', () => {
  it('reserves every line when each product has enough available, the last unit included', () => {
    const plan = planReservation(
      [
        { productId: B, quantity: 3 },
        { productId: A, quantity: 1 },
      ],
      stock([
        [A, { onHand: 5, reserved: 4, version: 9 }],
        [B, { onHand: 3, reserved: 0, version: 2 }],
      ]),
    );
    expect(plan).toEqual({
      outcome: 'reserve',
      lines: [
        { productId: A, quantity: 1, read: { onHand: 5, reserved: 4, version: 9 }, reservedAfter: 5 },
        { productId: B, quantity: 3, read: { onHand: 3, reserved: 0, version: 2 }, reservedAfter: 3 },
      ],
    });
  });

  it('one short line rejects the order and names every shortage, with nothing planned', () => {
    const plan = planReservation(
      [
        { productId: A, quantity: 2 },
        { productId: B, quantity: 5 },
        { productId: C, quantity: 1 },
      ],
      stock([
        [A, { onHand: 10, reserved: 0, version: 1 }],
        [B, { onHand: 7, reserved: 4, version: 1 }],
      ]),
    );
    expect(plan).toMatchObject({
      outcome: 'reject',
      shortages: [
        { productId: B, requested: 5, available: 3 },
        { productId: C, requested: 1, available: 0 },
      ],
    });
  });

  it('two lines of one product are checked against its stock together', () => {
    const lines = [
      { productId: A, quantity: 2 },
      { productId: A, quantity: 2 },
    ];
    expect(planReservation(lines, stock([[A, { onHand: 3, reserved: 0, version: 1 }]]))).toMatchObject({
      outcome: 'reject',
      shortages: [{ productId: A, requested: 4, available: 3 }],
    });
    expect(planReservation(lines, stock([[A, { onHand: 4, reserved: 0, version: 1 }]]))).toMatchObject({
      outcome: 'reserve',
      lines: [{ productId: A, quantity: 4, reservedAfter: 4 }],
    });
  });

  it('a product inventory holds no row for has nothing available', () => {
    expect(planReservation([{ productId: A, quantity: 1 }], stock([]))).toMatchObject({
      outcome: 'reject',
      shortages: [{ productId: A, requested: 1, available: 0 }],
    });
  });
});

describe('why a reservation was rejected, in words', () => {
  it('says how many are left against how many were asked for, and that nothing was reserved', () => {
    expect(
      describeShortages([
        { productId: A, requested: 5, available: 3 },
        { productId: B, requested: 1, available: 0 },
      ]),
    ).toBe(
      `Only 3 of product ${A} left; 5 were asked for. Product ${B} is out of stock; 1 was asked for. Nothing was reserved.`,
    );
  });
});

describe('what each saga event does to a reservation', () => {
  const table: Array<[SagaStep, ReservationStatus | null, SagaAction]> = [
    ['placed', null, 'reserve'],
    ['placed', 'RESERVED', 'ignore'],
    ['placed', 'REJECTED', 'ignore'],
    ['placed', 'RELEASED', 'ignore'],
    ['placed', 'COMMITTED', 'ignore'],
    ['placed', 'RETURNED', 'ignore'],
    ['placed', 'CANCELLED_BEFORE_RESERVATION', 'ignore'],
    ['cancelled', null, 'tombstone'],
    ['cancelled', 'RESERVED', 'release'],
    ['cancelled', 'REJECTED', 'ignore'],
    ['cancelled', 'RELEASED', 'ignore'],
    ['cancelled', 'COMMITTED', 'ignore'],
    ['cancelled', 'RETURNED', 'ignore'],
    ['cancelled', 'CANCELLED_BEFORE_RESERVATION', 'ignore'],
    ['confirmed', null, 'wait'],
    ['confirmed', 'RESERVED', 'commit'],
    ['confirmed', 'REJECTED', 'ignore'],
    ['confirmed', 'RELEASED', 'ignore'],
    ['confirmed', 'COMMITTED', 'ignore'],
    ['confirmed', 'RETURNED', 'ignore'],
    ['confirmed', 'CANCELLED_BEFORE_RESERVATION', 'ignore'],
    ['refunded', null, 'wait'],
    ['refunded', 'RESERVED', 'wait'],
    ['refunded', 'REJECTED', 'ignore'],
    ['refunded', 'RELEASED', 'ignore'],
    ['refunded', 'COMMITTED', 'return'],
    ['refunded', 'RETURNED', 'ignore'],
    ['refunded', 'CANCELLED_BEFORE_RESERVATION', 'ignore'],
  ];
  it.each(table)('%s heard with the reservation %s: %s', (step, status, action) => {
    expect(actionFor(step, status)).toBe(action);
  });
});

describe('how levels move', () => {
  const before = { onHand: 10, reserved: 4, version: 1 };
  const apply = (change: keyof typeof levelChanges, q: number) => {
    const delta = levelChanges[change](q);
    return { ...before, onHand: before.onHand + delta.onHand, reserved: before.reserved + delta.reserved };
  };

  it('a release makes the reserved units available again, on hand unchanged', () => {
    expect(apply('release', 3)).toMatchObject({ onHand: 10, reserved: 1 });
    expect(available(apply('release', 3))).toBe(available(before) + 3);
  });

  it('a sale takes the reserved units off hand; available does not move', () => {
    expect(apply('commit', 3)).toMatchObject({ onHand: 7, reserved: 1 });
    expect(available(apply('commit', 3))).toBe(available(before));
  });

  it('a return puts the units back on hand and available', () => {
    expect(apply('return', 3)).toMatchObject({ onHand: 13, reserved: 4 });
    expect(available(apply('return', 3))).toBe(available(before) + 3);
  });
});
