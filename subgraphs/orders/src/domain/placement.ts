/** The rules of a new order: what a customer may ask for, and how it is priced. Pure: no I/O. */

export const MAX_LINES = 50;
export const MAX_QUANTITY = 100;
export const IDEMPOTENCY_KEY_LENGTH = { min: 8, max: 100 } as const;
/** The largest total the orders table holds (a Postgres integer, in cents). */
export const MAX_TOTAL_CENTS = 2_147_483_647;

export type OrderLineRequest = { productId: string; quantity: number };
export type PlaceOrderRequest = { items: readonly OrderLineRequest[]; idempotencyKey: string };

/** What orders' copy of the catalog says of a product, as much as pricing needs. */
export type ProductCopy = { productId: string; name: string; priceCents: number; currency: string; onSale: boolean };
export type PricedLine = { productId: string; quantity: number; unitPriceCents: number };
export type PricedOrder = { items: PricedLine[]; totalCents: number; currency: string };

/** A rule a request breaks, with a sentence the customer can act on; `code` is the client's error code. */
export class PlacementRefused extends Error {
  override name = 'PlacementRefused';
  constructor(
    readonly code: 'BAD_USER_INPUT' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

/** Checks the request's shape (lines, quantities, key); throws PlacementRefused for the first rule broken. */
export function checkOrderRequest(request: PlaceOrderRequest): void {
  const { items, idempotencyKey } = request;
  const key = idempotencyKey.trim();
  if (key.length < IDEMPOTENCY_KEY_LENGTH.min || key.length > IDEMPOTENCY_KEY_LENGTH.max) {
    throw new PlacementRefused(
      'BAD_USER_INPUT',
      `The idempotency key is ${IDEMPOTENCY_KEY_LENGTH.min} to ${IDEMPOTENCY_KEY_LENGTH.max} characters (a UUID will do); this one has ${key.length}.`,
    );
  }
  if (items.length === 0) throw new PlacementRefused('BAD_USER_INPUT', 'An order needs at least one line.');
  if (items.length > MAX_LINES) {
    throw new PlacementRefused(
      'BAD_USER_INPUT',
      `An order has at most ${MAX_LINES} lines; this one has ${items.length}. Place the rest as another order.`,
    );
  }
  const seen = new Set<string>();
  for (const line of items) {
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      throw new PlacementRefused(
        'BAD_USER_INPUT',
        `The quantity of product ${line.productId} is ${line.quantity}; a line orders 1 to ${MAX_QUANTITY} units.`,
      );
    }
    const product = line.productId.toLowerCase();
    if (seen.has(product)) {
      throw new PlacementRefused(
        'BAD_USER_INPUT',
        `Product ${line.productId} is on two lines; put its whole quantity on one line.`,
      );
    }
    seen.add(product);
  }
}

/**
 * Prices the lines from orders' copy of the catalog (`copies` by product id): every product must
 * be known and on sale, and all in one currency (an order is paid in one). The lines keep the
 * customer's order.
 */
export function priceOrder(items: readonly OrderLineRequest[], copies: ReadonlyMap<string, ProductCopy>): PricedOrder {
  const priced: PricedLine[] = [];
  let currency: string | undefined;
  let firstName = '';
  for (const line of items) {
    const product = copies.get(line.productId);
    if (!product) throw new PlacementRefused('NOT_FOUND', `No product has id ${line.productId}.`);
    if (!product.onSale) {
      throw new PlacementRefused('BAD_USER_INPUT', `${product.name} (${product.productId}) is no longer sold.`);
    }
    if (currency === undefined) {
      currency = product.currency;
      firstName = product.name;
    } else if (product.currency !== currency) {
      throw new PlacementRefused(
        'BAD_USER_INPUT',
        `An order is paid in one currency: ${firstName} is in ${currency}, ${product.name} in ${product.currency}. Order them separately.`,
      );
    }
    priced.push({ productId: line.productId, quantity: line.quantity, unitPriceCents: product.priceCents });
  }
  const totalCents = priced.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  if (totalCents > MAX_TOTAL_CENTS) {
    throw new PlacementRefused('BAD_USER_INPUT', 'The order is too large to be paid at once; split it.');
  }
  return { items: priced, totalCents, currency: currency! };
}

/**
 * The request as a canonical string (key trimmed, lines by product id): two requests with the same
 * key are the same order exactly when these match, whatever the order of their lines.
 */
export function normalisedRequest(request: PlaceOrderRequest): string {
  const lines = [...request.items]
    .map((line) => [line.productId.toLowerCase(), line.quantity] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ key: request.idempotencyKey.trim(), lines });
}
