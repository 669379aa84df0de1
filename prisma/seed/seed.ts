/**
 * Seeds every unit's database with the demo shop, through each unit's own Prisma client. Safe to
 * run again: what exists is left as it is (stock and prices that changed since stay changed).
 *   tsx prisma/seed/seed.ts
 */
import { connectDb as connectAccounts } from '../../subgraphs/accounts/src/db.ts';
import { hashPassword } from '../../subgraphs/accounts/src/password.ts';
import { connectDb as connectCatalog } from '../../subgraphs/catalog/src/db.ts';
import { insertMissingProducts } from '../../subgraphs/catalog/src/repository.ts';
import { connectDb as connectInventory } from '../../subgraphs/inventory/src/db.ts';
import { connectDb as connectNotifications } from '../../subgraphs/notifications/src/db.ts';
import { connectDb as connectOrders } from '../../subgraphs/orders/src/db.ts';
import { connectDb as connectPayments } from '../../subgraphs/payments/src/db.ts';
import { CATEGORIES, ORDERS, OUTCOME_MESSAGES, PRODUCTS, stableId, TIMELINES, USERS, userId } from './fixtures.ts';

function urlOf(variable: string): string {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} is not set`);
  return value;
}

async function seedAccounts() {
  const db = connectAccounts(urlOf('ACCOUNTS_DATABASE_URL'));
  try {
    const existing = new Set(
      (await db.user.findMany({ where: { email: { in: USERS.map((u) => u.email) } } })).map((u) => u.email),
    );
    const missing = USERS.filter((user) => !existing.has(user.email));
    const rows = await Promise.all(
      missing.map(async ({ password, ...user }) => ({
        ...user,
        id: userId(user.email),
        passwordHash: await hashPassword(password),
      })),
    );
    await db.user.createMany({ data: rows, skipDuplicates: true });
    // The ids as stored, which other units' seed rows refer to (older databases may hold other ids).
    const users = await db.user.findMany({ where: { email: { in: USERS.map((u) => u.email) } } });
    const ids = new Map(users.map((user) => [user.email, user.id]));
    return { summary: `${rows.length} users added`, idOf: (email: string) => ids.get(email)! };
  } finally {
    await db.$disconnect();
  }
}

async function seedCatalog() {
  const db = connectCatalog(urlOf('CATALOG_DATABASE_URL'));
  try {
    await db.category.createMany({
      data: CATEGORIES.map((category) => ({ id: stableId('category', category.slug), ...category })),
      skipDuplicates: true,
    });
    // Through catalog's repository, so each new product is announced like any other.
    const count = await insertMissingProducts(
      db,
      PRODUCTS.map(({ category, onHand: _onHand, ...product }) => ({
        ...product,
        categoryId: stableId('category', category),
      })),
    );
    return `${count} products added`;
  } finally {
    await db.$disconnect();
  }
}

/** Inventory's reservation for a seeded order in each status. */
const SEEDED_RESERVATIONS = {
  PENDING: null,
  AWAITING_PAYMENT: 'RESERVED',
  CONFIRMED: 'COMMITTED',
  REJECTED: 'REJECTED',
  CANCELLED: 'RELEASED',
} as const;

/** Stock held for the seeded orders that wait for their payment. */
function reservedFor(productId: string): number {
  return ORDERS.filter((order) => order.status === 'AWAITING_PAYMENT')
    .flatMap((order) => order.items)
    .filter((item) => item.productId === productId)
    .reduce((sum, item) => sum + item.quantity, 0);
}

async function seedInventory() {
  const db = connectInventory(urlOf('INVENTORY_DATABASE_URL'));
  try {
    const known = new Set((await db.stockItem.findMany({ select: { productId: true } })).map((s) => s.productId));
    const missing = PRODUCTS.filter((product) => !known.has(product.id));
    await db.$transaction([
      db.stockItem.createMany({
        data: missing.map((product) => ({
          productId: product.id,
          onHand: product.onHand,
          reserved: reservedFor(product.id),
          version: 1,
        })),
      }),
      db.stockAdjustment.createMany({
        data: missing.map((product) => ({
          productId: product.id,
          delta: product.onHand,
          reason: 'INITIAL_STOCK' as const,
        })),
      }),
    ]);
    // Where inventory's side of each seeded order's saga stands, so a later cancel or refund of a
    // seeded order moves the stock it held (a PENDING order has not been answered yet: no row).
    const reservations = await db.reservation.createMany({
      data: ORDERS.flatMap((order) => {
        const status = SEEDED_RESERVATIONS[order.status];
        if (!status) return [];
        const lines = order.items.map(({ productId, quantity }) => ({ productId, quantity }));
        return [{ orderId: order.id, status, lines, createdAt: order.createdAt, updatedAt: order.createdAt }];
      }),
      skipDuplicates: true,
    });
    return `${missing.length} stock items added, ${reservations.count} reservations added`;
  } finally {
    await db.$disconnect();
  }
}

async function seedOrders(idOf: (email: string) => string) {
  const db = connectOrders(urlOf('ORDERS_DATABASE_URL'));
  try {
    const known = new Set((await db.order.findMany({ select: { id: true } })).map((order) => order.id));
    const missing = ORDERS.filter((order) => !known.has(order.id));
    await db.$transaction(
      missing.map(({ items, payment: _payment, customerEmail, ...order }) =>
        db.order.create({
          data: {
            ...order,
            customerId: idOf(customerEmail),
            updatedAt: order.createdAt,
            items: { create: items },
            timeline: {
              create: TIMELINES[order.status].map(([step, detail], index) => ({
                step,
                detail,
                at: new Date(order.createdAt.getTime() + index * 1000),
              })),
            },
          },
        }),
      ),
    );
    return `${missing.length} orders added`;
  } finally {
    await db.$disconnect();
  }
}

async function seedPayments(idOf: (email: string) => string) {
  const db = connectPayments(urlOf('PAYMENTS_DATABASE_URL'));
  try {
    const { count } = await db.payment.createMany({
      data: ORDERS.filter((order) => order.payment !== null).map((order) => ({
        id: stableId('payment', order.id),
        orderId: order.id,
        customerId: idOf(order.customerEmail),
        amountCents: order.totalCents,
        currency: order.currency,
        status: order.payment!,
        providerReference: order.payment === 'CAPTURED' ? `seed_ch_${order.id.slice(0, 8)}` : null,
        idempotencyKey: `order:${order.id}`,
        attempts: order.payment === 'PENDING' ? 0 : order.payment === 'FAILED' ? 3 : 1,
        createdAt: order.createdAt,
      })),
      skipDuplicates: true,
    });
    return `${count} payments added`;
  } finally {
    await db.$disconnect();
  }
}

async function seedNotifications(idOf: (email: string) => string) {
  const db = connectNotifications(urlOf('NOTIFICATIONS_DATABASE_URL'));
  try {
    const rows = ORDERS.flatMap((order, index) => {
      const message = OUTCOME_MESSAGES[order.status];
      if (!message) return [];
      const createdAt = new Date(order.createdAt.getTime() + 60_000);
      return (['IN_APP', 'EMAIL'] as const).map((channel) => ({
        id: stableId('notification', `${order.id}:${channel}`),
        userId: idOf(order.customerEmail),
        ...message,
        channel,
        createdAt,
        // The oldest in-app ones have been read, so both read and unread show.
        readAt: channel === 'EMAIL' || index % 3 === 0 ? createdAt : null,
      }));
    });
    const { count } = await db.notification.createMany({ data: rows, skipDuplicates: true });
    return `${count} notifications added`;
  } finally {
    await db.$disconnect();
  }
}

const [accounts, ...others] = await Promise.all([seedAccounts(), seedCatalog(), seedInventory()]);
const { idOf } = accounts;
const rest = await Promise.all([seedOrders(idOf), seedPayments(idOf), seedNotifications(idOf)]);
console.log(`seeded: ${[accounts.summary, ...others, ...rest].join(', ')}`);
