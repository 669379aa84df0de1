/**
 * Seeds every unit's database with the demo shop, through each unit's own Prisma client. Safe to
 * run again: what exists is left as it is (stock and prices that changed since stay changed).
 *   tsx prisma/seed/seed.ts
 */
import { connectDb as connectAccounts } from '../../subgraphs/accounts/src/db.ts';
import { hashPassword } from '../../subgraphs/accounts/src/password.ts';
import { connectDb as connectCatalog } from '../../subgraphs/catalog/src/db.ts';
import { connectDb as connectInventory } from '../../subgraphs/inventory/src/db.ts';
import { CATEGORIES, PRODUCTS, stableId, USERS } from './fixtures.ts';

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
      missing.map(async ({ password, ...user }) => ({ ...user, passwordHash: await hashPassword(password) })),
    );
    await db.user.createMany({ data: rows, skipDuplicates: true });
    return `${rows.length} users added`;
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
    const { count } = await db.product.createMany({
      data: PRODUCTS.map(({ category, onHand: _onHand, ...product }) => ({
        ...product,
        categoryId: stableId('category', category),
      })),
      skipDuplicates: true,
    });
    return `${count} products added`;
  } finally {
    await db.$disconnect();
  }
}

async function seedInventory() {
  const db = connectInventory(urlOf('INVENTORY_DATABASE_URL'));
  try {
    const known = new Set((await db.stockItem.findMany({ select: { productId: true } })).map((s) => s.productId));
    const missing = PRODUCTS.filter((product) => !known.has(product.id));
    await db.$transaction([
      db.stockItem.createMany({
        data: missing.map((product) => ({ productId: product.id, onHand: product.onHand, version: 1 })),
      }),
      db.stockAdjustment.createMany({
        data: missing.map((product) => ({
          productId: product.id,
          delta: product.onHand,
          reason: 'INITIAL_STOCK' as const,
        })),
      }),
    ]);
    return `${missing.length} stock items added`;
  } finally {
    await db.$disconnect();
  }
}

const results = await Promise.all([seedAccounts(), seedCatalog(), seedInventory()]);
console.log(`seeded: ${results.join(', ')}`);
