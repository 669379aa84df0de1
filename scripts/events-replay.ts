/**
 * Catch-up for units that start with an empty copy: the owner of some state announces all of it
 * again through its outbox, so every subscriber catches up through the normal relay and inbox,
 * idempotently (copies keep only newer versions). Run after seeding by scripts/start.ts and the
 * test setup; safe to run at any time.
 *   pnpm events:replay catalog      (needs CATALOG_DATABASE_URL)
 *   pnpm events:replay accounts     (needs ACCOUNTS_DATABASE_URL; users are announced again,
 *                                    not welcomed again)
 *   pnpm events:replay inventory    (needs INVENTORY_DATABASE_URL; stock levels, for the
 *                                    storefront's availability in catalog)
 */

import { connectDb as connectAccounts } from '../subgraphs/accounts/src/db.ts';
import { replayUsers } from '../subgraphs/accounts/src/repository.ts';
import { connectDb as connectCatalog } from '../subgraphs/catalog/src/db.ts';
import { replayProducts } from '../subgraphs/catalog/src/repository.ts';
import { connectDb as connectInventory } from '../subgraphs/inventory/src/db.ts';
import { replayStock } from '../subgraphs/inventory/src/repository.ts';

const replays: Record<string, () => Promise<string>> = {
  catalog: async () => {
    const url = process.env.CATALOG_DATABASE_URL;
    if (!url) throw new Error('CATALOG_DATABASE_URL is not set');
    const db = connectCatalog(url);
    try {
      return `catalog: ${await replayProducts(db)} products announced`;
    } finally {
      await db.$disconnect();
    }
  },
  inventory: async () => {
    const url = process.env.INVENTORY_DATABASE_URL;
    if (!url) throw new Error('INVENTORY_DATABASE_URL is not set');
    const db = connectInventory(url);
    try {
      return `inventory: ${await replayStock(db)} stock rows announced`;
    } finally {
      await db.$disconnect();
    }
  },
  accounts: async () => {
    const url = process.env.ACCOUNTS_DATABASE_URL;
    if (!url) throw new Error('ACCOUNTS_DATABASE_URL is not set');
    const db = connectAccounts(url);
    try {
      return `accounts: ${await replayUsers(db)} users announced`;
    } finally {
      await db.$disconnect();
    }
  },
};

const owners = process.argv.slice(2);
const unknown = owners.filter((owner) => !Object.hasOwn(replays, owner));
if (owners.length === 0 || unknown.length > 0) {
  console.error(
    `usage: pnpm events:replay <${Object.keys(replays).join('|')}>…${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`,
  );
  process.exit(2);
}
for (const owner of owners) console.log(`replayed: ${await replays[owner]!()}`);
