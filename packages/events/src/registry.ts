import type { z } from 'zod';
import type { EnvelopeOf } from './define-event.ts';
import { envelopeSchema, type UnitName, unitNames } from './envelope.ts';
import {
  emailRequested,
  notificationAdded,
  orderCancelled,
  orderConfirmed,
  orderPaymentRequested,
  orderPlaced,
  orderRefunded,
  orderRefundFailed,
  orderRefundRequested,
  orderRejected,
  orderStepDeadline,
  paymentCaptured,
  paymentFailed,
  paymentRefunded,
  productArchived,
  productCreated,
  productPriceChanged,
  refundFailed,
  stockChanged,
  stockRejected,
  stockReserved,
  userRegistered,
} from './events.ts';

/** Every event type the system knows, by name. Adding one: define it in events.ts, list it here. */
export const eventDefinitions = {
  [productCreated.type]: productCreated,
  [productPriceChanged.type]: productPriceChanged,
  [productArchived.type]: productArchived,
  [userRegistered.type]: userRegistered,
  [stockChanged.type]: stockChanged,
  [orderPlaced.type]: orderPlaced,
  [orderPaymentRequested.type]: orderPaymentRequested,
  [orderConfirmed.type]: orderConfirmed,
  [orderRejected.type]: orderRejected,
  [orderCancelled.type]: orderCancelled,
  [orderRefundRequested.type]: orderRefundRequested,
  [orderRefunded.type]: orderRefunded,
  [orderRefundFailed.type]: orderRefundFailed,
  [orderStepDeadline.type]: orderStepDeadline,
  [stockReserved.type]: stockReserved,
  [stockRejected.type]: stockRejected,
  [paymentCaptured.type]: paymentCaptured,
  [paymentFailed.type]: paymentFailed,
  [paymentRefunded.type]: paymentRefunded,
  [refundFailed.type]: refundFailed,
  [emailRequested.type]: emailRequested,
  [notificationAdded.type]: notificationAdded,
} as const;

type Definitions = typeof eventDefinitions;
export type EventType = keyof Definitions;
/** The envelope of one event type, its data typed by that type's schema. */
export type EventOf<T extends EventType> = EnvelopeOf<T, z.infer<Definitions[T]['data']>>;
/** Any event of the system (a union discriminated by `type`). */
export type CommerceEvent = { [T in EventType]: EventOf<T> }[EventType];

export type ParsedEvent = { ok: true; event: CommerceEvent } | { ok: false; reason: string };

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventDefinitions, type);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(envelope)'}: ${issue.message}`).join('; ');
}

/** Checks anything (a queue job's data, a row's jsonb) against the envelope and its type's schema. */
export function parseEvent(input: unknown): ParsedEvent {
  const envelope = envelopeSchema.safeParse(input);
  if (!envelope.success) return { ok: false, reason: `not an event envelope: ${describeIssues(envelope.error)}` };
  const { type, schemaVersion } = envelope.data;
  if (!isEventType(type)) return { ok: false, reason: `unknown event type "${type}"` };
  const definition = eventDefinitions[type];
  if (schemaVersion !== definition.schemaVersion) {
    return {
      ok: false,
      reason: `${type}: unknown schema version ${schemaVersion} (known: ${definition.schemaVersion})`,
    };
  }
  const parsed = definition.envelope.safeParse(input);
  if (!parsed.success) return { ok: false, reason: `${type}: ${describeIssues(parsed.error)}` };
  return { ok: true, event: parsed.data as CommerceEvent };
}

/**
 * Which units consume which event types: the relay adds each event to the queue of every unit
 * listed for its type. A type with no unit reaches no queue; the live stream
 * (live.ts) may still carry it to the router's subscriptions.
 */
export const eventSubscribers: { readonly [T in EventType]: readonly UnitName[] } = {
  // inventory only needs to know a product exists (its stock row); orders copies every change;
  // catalog keeps its storefront read model (Redis) current from its own events and inventory's.
  'catalog.product.created': ['orders', 'inventory', 'catalog'],
  'catalog.product.price-changed': ['orders', 'catalog'],
  'catalog.product.archived': ['orders', 'catalog'],
  'accounts.user.registered': ['notifications'],
  'inventory.stock.changed': ['catalog'],
  // The order saga: orders decides, inventory and payments act and answer (ARCHITECTURE.md).
  'orders.order.placed': ['inventory'],
  'orders.order.payment-requested': ['payments'],
  'orders.order.confirmed': ['inventory', 'notifications'],
  'orders.order.rejected': ['notifications'],
  'orders.order.cancelled': ['inventory', 'payments', 'notifications'],
  'orders.order.refund-requested': ['payments'],
  'orders.order.refunded': ['inventory', 'notifications'],
  // For the live stream only: the order's subscribers see the refund pending no more.
  'orders.order.refund-failed': [],
  // A timer orders sets for itself (delivered when due).
  'orders.order.step-deadline': ['orders'],
  'inventory.reservation.reserved': ['orders'],
  'inventory.reservation.rejected': ['orders'],
  'payments.payment.captured': ['orders'],
  'payments.payment.failed': ['orders'],
  'payments.payment.refunded': ['orders'],
  'payments.refund.failed': ['orders'],
  // notifications sends its own e-mails, apart from the notification they go with.
  'notifications.email.requested': ['notifications'],
  // For the live stream only (subscriptions): packages/events/src/live.ts.
  'notifications.notification.added': [],
};

/**
 * Narrower subscriptions: a unit listed above for a type is sent only the events of that type
 * its condition accepts (the relay asks, per event and unit). catalog copies availability alone,
 * so a change that leaves it as it was (a sale: on hand and reserved fall together) is not its
 * business; the live stream still carries it to staff watching the counts.
 */
export const eventConditions: {
  readonly [T in EventType]?: Partial<Record<UnitName, (data: EventOf<T>['data']) => boolean>>;
} = {
  'inventory.stock.changed': {
    catalog: (data) => data.availableBefore === undefined || data.availableBefore !== data.available,
  },
};

export type EventRouting = { readonly [type: string]: readonly UnitName[] | undefined };
export type EventConditions = {
  readonly [type: string]: Partial<Record<UnitName, (data: never) => boolean>> | undefined;
};

/** The event types a unit consumes, from the routing table. */
export function typesConsumedBy(unit: UnitName, routing: EventRouting = eventSubscribers): string[] {
  return Object.entries(routing)
    .filter(([, units]) => units?.includes(unit))
    .map(([type]) => type);
}

/** The units that consume some event type, so have an `<unit>.events` and `<unit>.dead-letter` queue. */
export function consumingUnits(routing: EventRouting = eventSubscribers): UnitName[] {
  return unitNames.filter((unit) => typesConsumedBy(unit, routing).length > 0);
}
