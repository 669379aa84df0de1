import { createHash, randomUUID } from 'node:crypto';
import { orderPlaced } from '@commerce/events';
import { clientError, isUuid, type Sql } from '@commerce/service-kit';
import type { SagaTimeouts } from '../config.ts';
import type { OrderWithItems } from '../domain/order.ts';
import {
  checkOrderRequest,
  normalisedRequest,
  PlacementRefused,
  type PlaceOrderRequest,
  type PricedOrder,
  priceOrder,
} from '../domain/placement.ts';
import { findOrderByKey, productCopies, storePlacedOrder } from '../repository.ts';
import { stepDeadline } from './step-deadlines.ts';

const hashOf = (request: PlaceOrderRequest) => createHash('sha256').update(normalisedRequest(request)).digest('hex');

/** The order placed before with this key, if it is this request; CONFLICT if the key was used for another. */
function sameRequest(order: OrderWithItems, requestHash: string): OrderWithItems {
  if (order.requestHash !== requestHash) {
    throw clientError(
      'CONFLICT',
      'This idempotency key was already used for an order with other items: use a new key for a new order.',
    );
  }
  return order;
}

/**
 * A customer places an order. It is checked, priced from orders' copy of the catalog, and stored
 * PENDING with its events in one transaction: orders.order.placed (inventory reserves) and the
 * reservation's deadline (a timer the relay hands to BullMQ as a delayed job). Returns at once.
 * The same key from the same customer returns the same order, also for requests arriving together.
 */
export async function placeOrder(
  sql: Sql,
  timeouts: SagaTimeouts,
  customerId: string,
  given: PlaceOrderRequest,
): Promise<OrderWithItems> {
  // Ids as Postgres prints them, so the copy's rows and the lines match whatever the case sent.
  const request = {
    ...given,
    items: given.items.map((line) => ({ ...line, productId: line.productId.toLowerCase() })),
  };
  const key = request.idempotencyKey.trim();
  try {
    checkOrderRequest(request);
    const requestHash = hashOf(request);
    let priced: PricedOrder;
    try {
      const malformed = request.items.find((line) => !isUuid(line.productId));
      if (malformed) throw new PlacementRefused('BAD_USER_INPUT', `${malformed.productId} is not a product id.`);
      priced = priceOrder(
        request.items,
        await productCopies(
          sql,
          request.items.map((line) => line.productId),
        ),
      );
    } catch (error) {
      // A retry returns its order even if a product went off sale since. Looked up only here and
      // after a lost insert: a first request, the usual case, costs two statements in all.
      const earlier = error instanceof PlacementRefused && (await findOrderByKey(sql, customerId, key));
      if (earlier) return sameRequest(earlier, requestHash);
      throw error;
    }

    const orderId = randomUUID();
    const items = priced.items;
    const stored = await storePlacedOrder(sql, {
      id: orderId,
      customerId,
      idempotencyKey: key,
      requestHash,
      priced,
      placed: { step: 'PLACED', detail: 'Order placed; reserving stock.' },
      events: [
        orderPlaced.create({ orderId, customerId, items, totalCents: priced.totalCents, currency: priced.currency }),
        stepDeadline(orderId, 'RESERVATION', timeouts.reservationTimeoutMs),
      ],
    });
    if (stored) return stored;
    // This key's order is there already (a retry, or an identical request that won the insert).
    const order = await findOrderByKey(sql, customerId, key);
    if (!order) throw new Error(`order with key ${key} of ${customerId} vanished after its insert conflicted`);
    return sameRequest(order, requestHash);
  } catch (error) {
    if (error instanceof PlacementRefused) throw clientError(error.code, error.message);
    throw error;
  }
}
