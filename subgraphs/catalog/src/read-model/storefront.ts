/**
 * The storefront's read model (README "Read models"; ARCHITECTURE.md, seed 002): the product list
 * and product page with their availability, as a key-based copy in Redis, so the hottest read of
 * the shop costs one Redis round trip instead of SQL in two units.
 *
 * Layout, under `<QUEUE_PREFIX>:storefront:` (several systems share one Redis by prefix):
 *   product:<id>   a hash: `doc` (the product row with its category, JSON) at `pv` (catalog's
 *                  product version), `available` at `sv` (inventory's stock row version)
 *   by-sku         a sorted set of the active products, `<sku>\0<id>`, all at score 0, so
 *                  ZRANGEBYLEX pages them in byte order of SKU (the order of Postgres' C collation)
 *   ready          set once a rebuild from catalog's database has finished; absent, every read
 *                  goes to Postgres (Redis emptied, or a rebuild still running)
 *   rebuilding     a lock, so one process rebuilds at a time
 *
 * Writers (catalog's consumer of its own product events and of inventory's stock events, and the
 * rebuild) write through compare-and-set scripts: a product's fields only at a newer `pv`, its
 * availability only at a newer `sv`. Events overtaken by newer ones, redeliveries and a rebuild
 * racing the consumer therefore never move the copy back.
 *
 * Staleness bound: a committed write shows here once its event has been relayed and consumed,
 * measured by tests/e2e/storefront-staleness.test.ts (25 writes/s through the router); the stated
 * bound is STALENESS_BOUND_MS while the system is healthy. When Redis is down or the copy is not
 * ready, reads answer from Postgres: slower, never wrong.
 */
import type { Logger, Redis } from '@commerce/service-kit';
import type { Category, Product } from '../generated/prisma/client.ts';

/** The stated bound: an acknowledged write is visible in the read model within this, p99. */
export const STALENESS_BOUND_MS = 3000;

/** A product as the storefront answers it: the row, its category and (when known) availability. */
export type StorefrontProduct = Product & { category?: Category | null; available?: number };

/** Where a product's availability comes from when the read model is not used: catalog's copy. */
export type AvailabilityRow = { productId: string; available: number; version: number };

export type StorefrontPage = { rows: StorefrontProduct[]; count: number };

export interface StorefrontReadModel {
  /** Up to `take` active products after `afterSku` by SKU, and how many there are; null when not ready. */
  page(afterSku: string | null, take: number): Promise<StorefrontPage | null>;
  /** These products (archived ones too) by id, the known ones only; null when not ready. */
  products(ids: readonly string[]): Promise<Map<string, StorefrontProduct> | null>;
  /** Writes a product's row (with its category) unless the copy holds this version or a newer one. */
  projectProduct(product: Product & { category: Category | null }): Promise<void>;
  /** Writes a product's availability unless the copy holds this stock version or a newer one. */
  projectAvailability(row: AvailabilityRow): Promise<void>;
  /** Whether reads are answered from Redis now (ready, and Redis connected). */
  isReady(): Promise<boolean>;
  /** Forgets the copy (tests and operators): reads go to Postgres until the next rebuild. */
  clear(): Promise<void>;
  /**
   * Fills the copy from catalog's database, then marks it ready. One process at a time (a lock);
   * resolves when done or when another holds the lock.
   */
  rebuild(): Promise<'rebuilt' | 'busy'>;
  /** At a process's start: rebuilds in the background when the copy is not ready. */
  repairIfNeeded(): Promise<void>;
  close(): void;
}

/** What a rebuild reads from catalog's own database, a page at a time (by id). */
export type RebuildSource = {
  products(afterId: string | null, take: number): Promise<Array<Product & { category: Category | null }>>;
  availability(productIds: readonly string[]): Promise<AvailabilityRow[]>;
};

// Compare-and-set on the product version; the product joins or leaves the SKU index with it.
const PROJECT_PRODUCT = `
local pv = tonumber(redis.call('HGET', KEYS[1], 'pv') or '-1')
if pv >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'pv', ARGV[1])
if ARGV[4] == '1' then redis.call('ZADD', KEYS[2], 0, ARGV[3]) else redis.call('ZREM', KEYS[2], ARGV[3]) end
return 1`;

// Compare-and-set on the stock version.
const PROJECT_AVAILABILITY = `
local sv = tonumber(redis.call('HGET', KEYS[1], 'sv') or '-1')
if sv >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'available', ARGV[2], 'sv', ARGV[1])
return 1`;

// A page in one round trip: nil when not ready; else the count, then doc and availability per product.
// (Product keys are derived in the script: fine on one Redis, not on a cluster.)
const READ_PAGE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local members = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
local out = { redis.call('ZCARD', KEYS[2]) }
for _, member in ipairs(members) do
  local id = string.sub(member, string.find(member, '\\0', 1, true) + 1)
  local fields = redis.call('HMGET', ARGV[3] .. id, 'doc', 'available')
  out[#out + 1] = fields[1]
  out[#out + 1] = fields[2]
end
return out`;

const READ_PRODUCTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local out = {}
for i = 2, #ARGV do
  local fields = redis.call('HMGET', ARGV[1] .. ARGV[i], 'doc', 'available')
  out[#out + 1] = fields[1]
  out[#out + 1] = fields[2]
end
return out`;

type Scripts = {
  projectProduct(
    key: string,
    index: string,
    version: number,
    doc: string,
    member: string,
    active: string,
  ): Promise<number>;
  projectAvailability(key: string, version: number, available: number): Promise<number>;
  readPage(
    ready: string,
    index: string,
    min: string,
    take: number,
    prefix: string,
  ): Promise<Array<string | number | null> | null>;
  readProducts(ready: string, prefix: string, ...ids: string[]): Promise<Array<string | null> | null>;
};

const REBUILD_PAGE = 500;
const REBUILD_LOCK_MS = 60_000;
const REPAIR_INTERVAL_MS = 2000;

function revive(doc: string, available: string | null | undefined): StorefrontProduct {
  const parsed = JSON.parse(doc) as StorefrontProduct & { createdAt: string; updatedAt: string };
  return {
    ...parsed,
    createdAt: new Date(parsed.createdAt),
    updatedAt: new Date(parsed.updatedAt),
    // No stock event yet: inventory holds no row, which it reads as nothing available.
    available: available ? Number(available) : 0,
  };
}

export function storefrontReadModel(options: {
  redis: Redis;
  queuePrefix: string;
  logger: Logger;
  source: RebuildSource;
}): StorefrontReadModel {
  const { redis, logger, source } = options;
  const base = `${options.queuePrefix}:storefront:`;
  const keys = { ready: `${base}ready`, index: `${base}by-sku`, lock: `${base}rebuilding`, product: `${base}product:` };
  redis.defineCommand('projectProduct', { numberOfKeys: 2, lua: PROJECT_PRODUCT });
  redis.defineCommand('projectAvailability', { numberOfKeys: 1, lua: PROJECT_AVAILABILITY });
  redis.defineCommand('readPage', { numberOfKeys: 2, lua: READ_PAGE });
  redis.defineCommand('readProducts', { numberOfKeys: 1, lua: READ_PRODUCTS });
  const scripts = redis as unknown as Scripts;

  /** Redis not connected: answer from Postgres at once rather than wait for a timeout. */
  const connected = () => redis.status === 'ready';
  let rebuilding: Promise<'rebuilt' | 'busy'> | undefined;
  let lastRepair = 0;

  /**
   * A read found the copy not ready: start a rebuild in the background, once per process at a
   * time and at most every few seconds (a rebuild that fails, its database down, is not retried
   * by every request).
   */
  function repairInBackground() {
    if (!connected() || rebuilding || Date.now() - lastRepair < REPAIR_INTERVAL_MS) return;
    lastRepair = Date.now();
    rebuilding = model.rebuild().finally(() => {
      rebuilding = undefined;
    });
    rebuilding.catch((error) => logger.warn({ err: error }, 'storefront read model: rebuild failed'));
  }

  /** Reads fall back to Postgres on any Redis failure: the answer is slower, never missing. */
  async function read<T>(what: string, run: () => Promise<T | null>): Promise<T | null> {
    if (!connected()) return null;
    try {
      const result = await run();
      if (result === null) repairInBackground();
      return result;
    } catch (error) {
      logger.warn({ err: error }, `storefront read model: ${what} failed; answering from Postgres`);
      return null;
    }
  }

  const member = (product: Pick<Product, 'sku' | 'id'>) => `${product.sku}\0${product.id}`;
  /** PROJECT_PRODUCT's arguments for a product: its key, the index, version, document and membership. */
  const productArgs = (product: Product & { category: Category | null }) =>
    [
      keys.product + product.id,
      keys.index,
      product.version,
      JSON.stringify(product),
      member(product),
      product.active ? '1' : '0',
    ] as const;

  const model: StorefrontReadModel = {
    page: (afterSku, take) =>
      read('page', async () => {
        // Strictly after `afterSku`: its own member is `<sku>\0…`, every later SKU is ≥ `<sku>\x01`
        // (a SKU that extends it has a character ≥ \x01 next; SKUs hold no control characters).
        const min = afterSku === null ? '-' : `[${afterSku}\x01`;
        const reply = await scripts.readPage(keys.ready, keys.index, min, take, keys.product);
        if (reply === null) return null;
        const [count, ...fields] = reply;
        const rows: StorefrontProduct[] = [];
        for (let i = 0; i < fields.length; i += 2) {
          const doc = fields[i];
          if (typeof doc === 'string') rows.push(revive(doc, fields[i + 1] as string | null));
        }
        return { rows, count: Number(count) };
      }),
    products: (ids) =>
      read('products', async () => {
        if (ids.length === 0) return new Map();
        const reply = await scripts.readProducts(keys.ready, keys.product, ...ids);
        if (reply === null) return null;
        const found = new Map<string, StorefrontProduct>();
        ids.forEach((id, i) => {
          const doc = reply[2 * i];
          if (doc) found.set(id, revive(doc, reply[2 * i + 1]));
        });
        return found;
      }),
    async projectProduct(product) {
      await scripts.projectProduct(...productArgs(product));
    },
    async projectAvailability(row) {
      await scripts.projectAvailability(keys.product + row.productId, row.version, row.available);
    },
    async isReady() {
      return connected() && (await redis.exists(keys.ready)) === 1;
    },
    async clear() {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 500);
        if (found.length > 0) await redis.del(...found);
        cursor = next;
      } while (cursor !== '0');
    },
    async rebuild() {
      const token = crypto.randomUUID();
      if ((await redis.set(keys.lock, token, 'PX', REBUILD_LOCK_MS, 'NX')) !== 'OK') return 'busy';
      const started = Date.now();
      let count = 0;
      try {
        let after: string | null = null;
        for (;;) {
          const products = await source.products(after, REBUILD_PAGE);
          const availability = await source.availability(products.map((product) => product.id));
          const pipeline = redis.pipeline() as unknown as Scripts & { exec(): Promise<unknown> };
          for (const product of products) pipeline.projectProduct(...productArgs(product));
          for (const row of availability)
            pipeline.projectAvailability(keys.product + row.productId, row.version, row.available);
          await pipeline.exec();
          count += products.length;
          if (products.length < REBUILD_PAGE) break;
          after = products.at(-1)!.id;
        }
        await redis.set(keys.ready, new Date().toISOString());
        logger.info({ products: count, ms: Date.now() - started }, 'storefront read model rebuilt');
        return 'rebuilt';
      } finally {
        // Only our own lock: one that expired and was taken by another process stays theirs.
        await redis.eval(
          "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
          1,
          keys.lock,
          token,
        );
      }
    },
    async repairIfNeeded() {
      if (!connected()) {
        await new Promise((resolve) => {
          const waited = setTimeout(resolve, 5000);
          redis.once('ready', () => resolve(clearTimeout(waited)));
        });
      }
      if (connected() && (await redis.exists(keys.ready)) === 0) repairInBackground();
    },
    close: () => redis.disconnect(),
  };
  return model;
}
