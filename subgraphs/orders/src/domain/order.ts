/** What an order is, and who may see it. Pure: no I/O. */
import type { Identity, Page } from '@commerce/service-kit';
import type { Order, OrderItem } from '../generated/prisma/client.ts';

export type OrderWithItems = Order & { items: OrderItem[] };
export type OrderPage = Page<OrderWithItems>;
/** A reference to an entity another unit owns (a user, a product): its id is all orders keeps. */
export type EntityRef = { id: string };

/** A customer sees their own orders; staff see every order. */
export function maySee(identity: Identity, order: Pick<Order, 'customerId'>): boolean {
  if (identity.kind !== 'user') return false;
  return identity.role === 'STAFF' || identity.userId === order.customerId;
}

/** A user's list of orders is theirs and staff's to see. */
export function maySeeOrdersOf(identity: Identity, customerId: string): boolean {
  return maySee(identity, { customerId });
}

export function lineTotalCents(item: Pick<OrderItem, 'quantity' | 'unitPriceCents'>): number {
  return item.quantity * item.unitPriceCents;
}
