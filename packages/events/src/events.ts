// The event types of the shop, one schema each. A change that breaks a consumer gets a new
// schemaVersion (and, while both are in flight, a second definition), never an edit in place.
import { z } from 'zod';
import { defineEvent } from './define-event.ts';

const id = z.uuid();
const cents = z.number().int().nonnegative();
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const count = z.number().int().nonnegative();

/**
 * What every product event carries: the product as it is after the change, with catalog's
 * `version` of it (bumped on every change). A consumer keeping a copy applies an event only when
 * its version is newer than the copy's, so reordered or redelivered events never move it back.
 * (`version` and the whole state were added before any product event had been emitted, so the
 * schema stays at version 1.)
 */
const productState = {
  productId: id,
  sku: z.string().min(1),
  name: z.string().min(1),
  priceCents: cents,
  currency,
  /** Whether the product can be ordered (catalog's `active`). */
  onSale: z.boolean(),
  version: z.number().int().positive(),
};

/** A product is in the catalog: on creation, and again for every product on a replay (catch-up). */
export const productCreated = defineEvent({
  type: 'catalog.product.created',
  source: 'catalog',
  schemaVersion: 1,
  data: z.object(productState),
  aggregateId: (data) => data.productId,
});

export const productPriceChanged = defineEvent({
  type: 'catalog.product.price-changed',
  source: 'catalog',
  schemaVersion: 1,
  data: z.object({ ...productState, previousPriceCents: cents }),
  aggregateId: (data) => data.productId,
});

export const productArchived = defineEvent({
  type: 'catalog.product.archived',
  source: 'catalog',
  schemaVersion: 1,
  data: z.object({ ...productState, onSale: z.literal(false) }),
  aggregateId: (data) => data.productId,
});

export const userRegistered = defineEvent({
  type: 'accounts.user.registered',
  source: 'accounts',
  schemaVersion: 1,
  // The address as accounts accepted it (its own rule, which takes e.g. jürgen@example.de that
  // z.email() would refuse): a stricter contract would fail the registration it describes.
  data: z.object({
    userId: id,
    email: z.string().min(3).max(254).includes('@'),
    name: z.string().min(1),
    /**
     * True when accounts announces an existing user again (a replay, e.g. after seeding) so that
     * copies catch up: nothing new happened, so nobody is welcomed. Absent on a registration.
     */
    announcedAgain: z.boolean().optional(),
  }),
  aggregateId: (data) => data.userId,
});

export const stockChanged = defineEvent({
  type: 'inventory.stock.changed',
  source: 'inventory',
  schemaVersion: 1,
  data: z.object({
    productId: id,
    available: count,
    onHand: count,
    reserved: count,
    /**
     * Inventory's version of the stock row (bumped on every change): a copy keeps levels only
     * when this is newer than its own. Optional because events emitted before it was added lack it.
     */
    version: count.optional(),
    /**
     * What was available before this change, when the change is a move of levels (absent from a
     * replay of levels, and from events emitted before it was added): a sale moves on hand and
     * reserved together and leaves it as it was.
     */
    availableBefore: count.optional(),
  }),
  aggregateId: (data) => data.productId,
});

// ---------------------------------------------------------------------------------------------
// Placing an order: the saga, orchestrated by orders (ARCHITECTURE.md, "Placing an order").
// orders emits what it decided; inventory and payments answer with what they did; orders moves
// the order on. Every event names the order, so each consumer can keep its own state per order
// and ignore an event that arrives after the order moved past it.
// ---------------------------------------------------------------------------------------------

const orderId = id;
const quantity = z.number().int().min(1).max(100);
/** A line of an order as the saga carries it: what, how many, at which price (from orders' copy). */
const orderLine = z.object({ productId: id, quantity, unitPriceCents: cents });
const orderLines = z.array(orderLine).min(1).max(50);

/** A customer placed an order (PENDING): inventory reserves every line or none. */
export const orderPlaced = defineEvent({
  type: 'orders.order.placed',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({ orderId, customerId: id, items: orderLines, totalCents: cents, currency }),
  aggregateId: (data) => data.orderId,
});

/** The stock is reserved (AWAITING_PAYMENT): payments charges the order's total once. */
export const orderPaymentRequested = defineEvent({
  type: 'orders.order.payment-requested',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({ orderId, customerId: id, amountCents: cents, currency }),
  aggregateId: (data) => data.orderId,
});

/** Paid (CONFIRMED): inventory turns the reservation into committed stock; the customer is told. */
export const orderConfirmed = defineEvent({
  type: 'orders.order.confirmed',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({ orderId, customerId: id, items: orderLines, totalCents: cents, currency }),
  aggregateId: (data) => data.orderId,
});

/** Not enough stock (REJECTED): nothing was reserved or charged; the customer is told. */
export const orderRejected = defineEvent({
  type: 'orders.order.rejected',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({ orderId, customerId: id, reason: z.string().min(1) }),
  aggregateId: (data) => data.orderId,
});

/**
 * Stopped (CANCELLED) before it was paid: by the customer, a declined payment or a step that timed
 * out. inventory releases a reservation if it made one (and makes none later); payments charges
 * nothing from now on (and refunds a charge that was in flight); the customer is told.
 */
export const orderCancelled = defineEvent({
  type: 'orders.order.cancelled',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({
    orderId,
    customerId: id,
    items: orderLines,
    /** CUSTOMER, PAYMENT_DECLINED, RESERVATION_TIMED_OUT, PAYMENT_TIMED_OUT. */
    cause: z.enum(['CUSTOMER', 'PAYMENT_DECLINED', 'RESERVATION_TIMED_OUT', 'PAYMENT_TIMED_OUT']),
    reason: z.string().min(1),
  }),
  aggregateId: (data) => data.orderId,
});

/** Staff asked to refund a CONFIRMED order: payments gives the money back. */
export const orderRefundRequested = defineEvent({
  type: 'orders.order.refund-requested',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({ orderId, customerId: id, amountCents: cents, currency, reason: z.string().min(1), requestedBy: id }),
  aggregateId: (data) => data.orderId,
});

/**
 * The provider refused a refund for good: the order stays CONFIRMED with no refund pending, and
 * staff may ask again. Nobody consumes it from a queue: it is for the order's live subscribers.
 */
export const orderRefundFailed = defineEvent({
  type: 'orders.order.refund-failed',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({ orderId, customerId: id, reason: z.string().min(1) }),
  aggregateId: (data) => data.orderId,
});

/** The money is back (REFUNDED): inventory takes the goods back into stock; the customer is told. */
export const orderRefunded = defineEvent({
  type: 'orders.order.refunded',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({
    orderId,
    customerId: id,
    items: orderLines,
    amountCents: cents,
    currency,
    reason: z.string().min(1),
  }),
  aggregateId: (data) => data.orderId,
});

/**
 * A durable timer of the saga: orders writes it to its own outbox when a step starts, and the
 * relay hands it to BullMQ as a job delayed until `dueAt` (see `deliverAt`). When it arrives and
 * the order is still at that step, the step timed out and orders compensates.
 */
export const orderStepDeadline = defineEvent({
  type: 'orders.order.step-deadline',
  source: 'orders',
  schemaVersion: 1,
  data: z.object({ orderId, step: z.enum(['RESERVATION', 'PAYMENT']), dueAt: z.iso.datetime({ offset: true }) }),
  aggregateId: (data) => data.orderId,
  deliverAt: (data) => new Date(data.dueAt),
});

/** inventory reserved every line of an order (available fell, reserved rose). */
export const stockReserved = defineEvent({
  type: 'inventory.reservation.reserved',
  source: 'inventory',
  schemaVersion: 1,
  data: z.object({ orderId, items: z.array(z.object({ productId: id, quantity })).min(1) }),
  aggregateId: (data) => data.orderId,
});

/** inventory could not reserve every line: nothing was reserved. */
export const stockRejected = defineEvent({
  type: 'inventory.reservation.rejected',
  source: 'inventory',
  schemaVersion: 1,
  data: z.object({
    orderId,
    reason: z.string().min(1),
    shortages: z.array(z.object({ productId: id, requested: quantity, available: count })),
  }),
  aggregateId: (data) => data.orderId,
});

/** The provider captured the order's charge (exactly once per order: its idempotency key). */
export const paymentCaptured = defineEvent({
  type: 'payments.payment.captured',
  source: 'payments',
  schemaVersion: 1,
  data: z.object({ orderId, paymentId: id, amountCents: cents, currency, providerReference: z.string().min(1) }),
  aggregateId: (data) => data.orderId,
});

/** The charge failed for good: declined by the provider (`declined`), or given up on. */
export const paymentFailed = defineEvent({
  type: 'payments.payment.failed',
  source: 'payments',
  schemaVersion: 1,
  data: z.object({ orderId, paymentId: id, declined: z.boolean(), reason: z.string().min(1) }),
  aggregateId: (data) => data.orderId,
});

/** The provider gave the money back. */
export const paymentRefunded = defineEvent({
  type: 'payments.payment.refunded',
  source: 'payments',
  schemaVersion: 1,
  data: z.object({ orderId, paymentId: id, refundId: id, amountCents: cents }),
  aggregateId: (data) => data.orderId,
});

/** A refund the provider refused for good: staff must act (the order stays CONFIRMED). */
export const refundFailed = defineEvent({
  type: 'payments.refund.failed',
  source: 'payments',
  schemaVersion: 1,
  data: z.object({ orderId, paymentId: id, refundId: id, reason: z.string().min(1) }),
  aggregateId: (data) => data.orderId,
});

/**
 * An e-mail notifications decided to send, written with the in-app notification it goes with:
 * notifications' own consumer sends it over SMTP, so a failing mail server delays (and at worst
 * dead-letters) the e-mail, never the notification. `emailId` is also its Message-ID.
 */
export const emailRequested = defineEvent({
  type: 'notifications.email.requested',
  source: 'notifications',
  schemaVersion: 1,
  data: z.object({
    emailId: id,
    userId: id,
    to: z.string().min(3).max(254).includes('@'),
    subject: z.string().min(1).max(200),
    text: z.string().min(1),
  }),
  aggregateId: (data) => data.emailId,
});

/**
 * An in-app notification was written for a user. Nobody consumes it from a queue: the relay
 * publishes it to the live stream, so the user's `notificationAdded` subscription hears of it.
 */
export const notificationAdded = defineEvent({
  type: 'notifications.notification.added',
  source: 'notifications',
  schemaVersion: 1,
  data: z.object({ notificationId: id, userId: id, kind: z.string().min(1) }),
  aggregateId: (data) => data.notificationId,
});
