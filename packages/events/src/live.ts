import type { UnitName } from './envelope.ts';
import type { CommerceEvent } from './registry.ts';

/**
 * What the router's subscriptions hear of an event: which entity changed, whose it is, and the
 * entity's own fields as the event left them. Each unit's relay appends one to its unit's live
 * stream (a Redis stream, kept for a window) after the event's transaction committed; the router
 * reads the streams, and for each update fetches every subscriber's selection of the entity with
 * that subscriber's rights.
 */
export type LiveUpdate = {
  /** The event's id: a relay that publishes an event twice appends it once. */
  eventId: string;
  type: string;
  entity: LiveEntity;
  /** The entity's id (a product's id for stock). */
  key: string;
  /** The user it belongs to (an order's customer, a notification's recipient); none for stock. */
  owner?: string;
  /**
   * The entity's own fields at this event (an order's status, a stock's counts), which the router
   * puts over what it fetched: an update says what this event made of the entity, even when a later
   * one has already moved it on by the time the router reads it.
   */
  snapshot: Record<string, string | number | boolean>;
  occurredAt: string;
};

export type LiveEntity = 'Order' | 'Notification' | 'Stock';

/** The units whose events have live updates, each with a stream of its own. */
export const liveUnits = ['orders', 'notifications', 'inventory'] as const satisfies readonly UnitName[];
export type LiveUnit = (typeof liveUnits)[number];

/** The Redis stream of one unit's live updates (`<prefix>:<unit>`, e.g. commerce:live:orders). */
export const liveStreamKey = (prefix: string, unit: LiveUnit) => `${prefix}:${unit}`;

const ORDER_SNAPSHOTS = {
  'orders.order.placed': { status: 'PENDING', refundPending: false },
  'orders.order.payment-requested': { status: 'AWAITING_PAYMENT', refundPending: false },
  'orders.order.confirmed': { status: 'CONFIRMED', refundPending: false },
  'orders.order.rejected': { status: 'REJECTED', refundPending: false },
  'orders.order.cancelled': { status: 'CANCELLED', refundPending: false },
  'orders.order.refund-requested': { status: 'CONFIRMED', refundPending: true },
  'orders.order.refunded': { status: 'REFUNDED', refundPending: false },
  'orders.order.refund-failed': { status: 'CONFIRMED', refundPending: false },
} as const;

type OrderStatusEvent = Extract<CommerceEvent, { type: keyof typeof ORDER_SNAPSHOTS }>;
const changesOrderStatus = (event: CommerceEvent): event is OrderStatusEvent =>
  Object.hasOwn(ORDER_SNAPSHOTS, event.type);

const base = (event: CommerceEvent) => ({ eventId: event.id, type: event.type, occurredAt: event.occurredAt });

/** The live update an event makes, or undefined for an event subscribers do not hear of. */
export function liveUpdateOf(event: CommerceEvent): LiveUpdate | undefined {
  if (changesOrderStatus(event)) {
    return {
      ...base(event),
      entity: 'Order',
      key: event.data.orderId,
      owner: event.data.customerId,
      snapshot: { ...ORDER_SNAPSHOTS[event.type] },
    };
  }
  switch (event.type) {
    case 'notifications.notification.added':
      return {
        ...base(event),
        entity: 'Notification',
        key: event.data.notificationId,
        owner: event.data.userId,
        snapshot: {},
      };
    case 'inventory.stock.changed': {
      // What was available before is the relay's to route on, not part of the stock's state.
      const { productId, availableBefore: _, ...counts } = event.data;
      return { ...base(event), entity: 'Stock', key: productId, snapshot: counts };
    }
    default:
      return undefined;
  }
}
