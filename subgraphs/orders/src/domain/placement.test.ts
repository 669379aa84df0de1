import { describe, expect, it } from 'vitest';
import {
  checkOrderRequest,
  normalisedRequest,
  type OrderLineRequest,
  PlacementRefused,
  type ProductCopy,
  priceOrder,
} from './placement.ts';

const mug = 'b0000000-0000-4000-a000-000000000001';
const lamp = 'b0000000-0000-4000-a000-000000000002';
const bag = 'b0000000-0000-4000-a000-000000000003';
const key = 'key-0001-abcd';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof PlacementRefused) return { code: error.code, message: error.message };
    throw error;
  }
  return null;
};
const check = (items: OrderLineRequest[], idempotencyKey = key) =>
  refusal(() => checkOrderRequest({ items, idempotencyKey }));

describe('what a customer may order', () => {
  it('1 to 50 lines: none and 51 are refused, 1 and 50 pass', () => {
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        productId: `b0000000-0000-4000-a000-${String(i).padStart(12, '0')}`,
        quantity: 1,
      }));
    expect(check([])).toEqual({ code: 'BAD_USER_INPUT', message: 'An order needs at least one line.' });
    expect(check(lines(51))?.message).toMatch(/at most 50 lines; this one has 51/);
    expect(check(lines(1))).toBeNull();
    expect(check(lines(50))).toBeNull();
  });

  it('a quantity is a whole number from 1 to 100, and the message names the product', () => {
    for (const quantity of [0, -1, 101, 1.5]) {
      expect(check([{ productId: mug, quantity }])).toEqual({
        code: 'BAD_USER_INPUT',
        message: `The quantity of product ${mug} is ${quantity}; a line orders 1 to 100 units.`,
      });
    }
    expect(check([{ productId: mug, quantity: 1 }])).toBeNull();
    expect(check([{ productId: mug, quantity: 100 }])).toBeNull();
  });

  it('one product on two lines is refused', () => {
    expect(
      check([
        { productId: mug, quantity: 1 },
        { productId: lamp, quantity: 1 },
        { productId: mug, quantity: 2 },
      ]),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      message: `Product ${mug} is on two lines; put its whole quantity on one line.`,
    });
  });

  it('the idempotency key is 8 to 100 characters', () => {
    const line = [{ productId: mug, quantity: 1 }];
    expect(check(line, 'x'.repeat(7))?.message).toMatch(/8 to 100 characters.*this one has 7/);
    expect(check(line, 'x'.repeat(101))?.code).toBe('BAD_USER_INPUT');
    expect(check(line, `   ${'x'.repeat(7)}   `)?.code).toBe('BAD_USER_INPUT');
    expect(check(line, 'x'.repeat(8))).toBeNull();
    expect(check(line, 'x'.repeat(100))).toBeNull();
  });
});

describe('pricing from orders’ copy of the catalog', () => {
  const copy = (productId: string, over: Partial<ProductCopy> = {}): [string, ProductCopy] => [
    productId,
    { productId, name: `Product ${productId.slice(-1)}`, priceCents: 1250, currency: 'EUR', onSale: true, ...over },
  ];
  const copies = new Map([copy(mug), copy(lamp, { priceCents: 4999 }), copy(bag, { onSale: false, name: 'Old bag' })]);

  it('each line at the copy’s price, the total their sum, in the products’ currency, in the customer’s order', () => {
    expect(
      priceOrder(
        [
          { productId: lamp, quantity: 1 },
          { productId: mug, quantity: 3 },
        ],
        copies,
      ),
    ).toEqual({
      items: [
        { productId: lamp, quantity: 1, unitPriceCents: 4999 },
        { productId: mug, quantity: 3, unitPriceCents: 1250 },
      ],
      totalCents: 4999 + 3 * 1250,
      currency: 'EUR',
    });
  });

  it('a product the copy does not know is NOT_FOUND, naming its id', () => {
    const unknown = 'b0000000-0000-4000-a000-00000000000f';
    expect(refusal(() => priceOrder([{ productId: unknown, quantity: 1 }], copies))).toEqual({
      code: 'NOT_FOUND',
      message: `No product has id ${unknown}.`,
    });
  });

  it('a product off sale is BAD_USER_INPUT: no longer sold', () => {
    expect(refusal(() => priceOrder([{ productId: bag, quantity: 1 }], copies))).toEqual({
      code: 'BAD_USER_INPUT',
      message: `Old bag (${bag}) is no longer sold.`,
    });
  });

  it('products in two currencies are refused: an order is paid in one', () => {
    const mixed = new Map([copy(mug), copy(lamp, { currency: 'USD' })]);
    const refused = refusal(() =>
      priceOrder(
        [
          { productId: mug, quantity: 1 },
          { productId: lamp, quantity: 1 },
        ],
        mixed,
      ),
    );
    expect(refused?.code).toBe('BAD_USER_INPUT');
    expect(refused?.message).toMatch(/one currency: .* in EUR, .* in USD/);
  });

  it('a total beyond what one payment holds is refused', () => {
    const dear = new Map([copy(mug, { priceCents: 100_000_000 })]);
    expect(refusal(() => priceOrder([{ productId: mug, quantity: 100 }], dear))?.code).toBe('BAD_USER_INPUT');
  });
});

describe('the same request, whatever its form', () => {
  it('the order of lines and spaces around the key do not matter; items and key do', () => {
    const a = normalisedRequest({
      idempotencyKey: key,
      items: [
        { productId: mug, quantity: 1 },
        { productId: lamp, quantity: 2 },
      ],
    });
    const reordered = normalisedRequest({
      idempotencyKey: ` ${key} `,
      items: [
        { productId: lamp, quantity: 2 },
        { productId: mug.toUpperCase(), quantity: 1 },
      ],
    });
    expect(reordered).toBe(a);
    expect(normalisedRequest({ idempotencyKey: key, items: [{ productId: mug, quantity: 1 }] })).not.toBe(a);
    expect(
      normalisedRequest({
        idempotencyKey: key,
        items: [
          { productId: mug, quantity: 2 },
          { productId: lamp, quantity: 2 },
        ],
      }),
    ).not.toBe(a);
  });
});
