import type { LiveEntity, LiveUnit, LiveUpdate } from '@commerce/events';
import type { Identity } from '@commerce/service-kit';

/** How an update type's entity field is fetched for an update: a root query field taking the update's key. */
export type EntityFetch = {
  /** The root Query field that returns the entity by id, with the subscriber's rights. */
  root: string;
  /** Its argument that takes the update's key. */
  argument: string;
  /** A field of what `root` returns that holds the entity (a product's `stock`), if not itself. */
  inner?: string;
  /** Whether the update's snapshot goes over the fetched fields (the entity as this change left it). */
  snapshot: boolean;
};

/**
 * One subscription field the router serves: the unit whose live stream it reads, which updates of
 * that stream a subscriber gets, and how each field of its update type is filled. The fields are
 * declared by the units in their schemas (orders, notifications, inventory) and composed into the
 * supergraph; composition tells the router their types, this table what they mean.
 */
export type LiveField = {
  unit: LiveUnit;
  entity: LiveEntity;
  /** Whether an update of the stream is for this subscriber (its rights are checked again on fetch). */
  matches: (update: LiveUpdate, args: Record<string, unknown>, identity: Identity) => boolean;
  /** The update type's fields that hold an entity; `cursor`, `at` and key fields come from the update. */
  entities: Record<string, EntityFetch>;
  /** A field of the update type holding the update's key (StockUpdate.productId). */
  keyField?: string;
  /** Asked once when subscribing: the entity must be one the caller may see (NOT_FOUND otherwise). */
  mustSee?: { argument: string; fetch: EntityFetch };
};

const owned = (update: LiveUpdate, identity: Identity) =>
  identity.kind === 'user' && update.owner !== undefined && update.owner === identity.userId;

const order: EntityFetch = { root: 'order', argument: 'id', snapshot: true };

export const LIVE_FIELDS: Record<string, LiveField> = {
  orderUpdated: {
    unit: 'orders',
    entity: 'Order',
    matches: (update, args) => update.entity === 'Order' && update.key === args.id,
    entities: { order },
    mustSee: { argument: 'id', fetch: order },
  },
  myOrderUpdates: {
    unit: 'orders',
    entity: 'Order',
    matches: (update, _args, identity) => update.entity === 'Order' && owned(update, identity),
    entities: { order },
  },
  notificationAdded: {
    unit: 'notifications',
    entity: 'Notification',
    matches: (update, _args, identity) => update.entity === 'Notification' && owned(update, identity),
    entities: { notification: { root: 'notification', argument: 'id', snapshot: false } },
  },
  stockChanged: {
    unit: 'inventory',
    entity: 'Stock',
    matches: (update, args) =>
      update.entity === 'Stock' &&
      (args.productId === undefined || args.productId === null || update.key === args.productId),
    entities: {
      stock: { root: 'product', argument: 'id', inner: 'stock', snapshot: true },
      product: { root: 'product', argument: 'id', snapshot: false },
    },
    keyField: 'productId',
  },
};
