// The event types of the shop, one schema each. A change that breaks a consumer gets a new
// schemaVersion (and, while both are in flight, a second definition), never an edit in place.
import { z } from 'zod';
import { defineEvent } from './define-event.ts';

const id = z.uuid();
const cents = z.number().int().nonnegative();
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');
const count = z.number().int().nonnegative();

export const productCreated = defineEvent({
  type: 'catalog.product.created',
  source: 'catalog',
  schemaVersion: 1,
  data: z.object({
    productId: id,
    sku: z.string().min(1),
    name: z.string().min(1),
    priceCents: cents,
    currency,
    /** Whether the product can be ordered (catalog's `active`). */
    onSale: z.boolean(),
  }),
  aggregateId: (data) => data.productId,
});

export const productPriceChanged = defineEvent({
  type: 'catalog.product.price-changed',
  source: 'catalog',
  schemaVersion: 1,
  data: z.object({
    productId: id,
    sku: z.string().min(1),
    priceCents: cents,
    previousPriceCents: cents,
    currency,
  }),
  aggregateId: (data) => data.productId,
});

export const productArchived = defineEvent({
  type: 'catalog.product.archived',
  source: 'catalog',
  schemaVersion: 1,
  data: z.object({ productId: id, sku: z.string().min(1) }),
  aggregateId: (data) => data.productId,
});

export const userRegistered = defineEvent({
  type: 'accounts.user.registered',
  source: 'accounts',
  schemaVersion: 1,
  // The address as accounts accepted it (its own rule, which takes e.g. jürgen@example.de that
  // z.email() would refuse): a stricter contract would fail the registration it describes.
  data: z.object({ userId: id, email: z.string().min(3).max(254).includes('@'), name: z.string().min(1) }),
  aggregateId: (data) => data.userId,
});

export const stockChanged = defineEvent({
  type: 'inventory.stock.changed',
  source: 'inventory',
  schemaVersion: 1,
  data: z.object({ productId: id, available: count, onHand: count, reserved: count }),
  aggregateId: (data) => data.productId,
});
