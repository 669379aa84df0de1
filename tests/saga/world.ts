/**
 * A whole system of its own for the saga's fault tests: its own databases (reset, seeded), its
 * own private Redis (so a test may restart it), its own sandboxes and every unit and the router
 * as real processes on ports of its own. The shared test system is left alone: killing a unit
 * here disturbs no other test file. One world per test file, started in beforeAll.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';
import { userId } from '../../prisma/seed/fixtures.ts';
import { prepareDatabases } from '../../scripts/lib/databases.ts';
import {
  databaseUrl,
  environment,
  newSecrets,
  type ProcessName,
  ROOT,
  type RunningProcess,
  type SystemSettings,
  startProcess,
  startSystem,
  stopSystem,
  UNITS,
} from '../../scripts/lib/system.ts';
import { startPrivateRedis, waitFor } from '../messaging/support.ts';
import { graphql } from '../support/graphql.ts';
import { bearer } from '../support/router.ts';

export const FINAL_STATUSES = ['CONFIRMED', 'REJECTED', 'CANCELLED', 'REFUNDED'] as const;

/** Is every port from base to base+26 free (the router, its subgraphs and sandboxes)? */
async function portsFree(base: number): Promise<boolean> {
  for (const offset of [0, 1, 2, 3, 4, 5, 6, 7, 10, 25, 26]) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(base + offset, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768 and up), so no outgoing connection takes one meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 120) * 100;
    if (await portsFree(base)) return base;
  }
  throw new Error('no free block of ports for a saga world');
}

export type SagaWorld = Awaited<ReturnType<typeof startSagaWorld>>;

/**
 * `name` keeps each test file's databases apart (<test prefix>saga_<name>_<unit>, dropped at stop). `extraEnv` tunes
 * every process (short job locks, so a killed worker's jobs come back within seconds).
 */
export async function startSagaWorld(name: string, extraEnv: Record<string, string> = {}) {
  const postgresUrl = process.env.POSTGRES_URL;
  if (!postgresUrl) throw new Error('POSTGRES_URL must be set: run the tests with ./scripts/test.sh');
  const redis = await startPrivateRedis();
  const settings: SystemSettings = {
    postgresUrl,
    redisUrl: redis.url,
    routerPort: await freeBase(),
    // Apart per test run too: two checkouts' suites on one machine never share a world.
    databasePrefix: `${process.env.TEST_DATABASE_PREFIX ?? 'commerce_test_'}saga_${name}_`,
    secrets: newSecrets(),
    logLevel: 'info',
  };
  const tuned = {
    CONSUMER_LOCK_MS: '4000',
    CONSUMER_STALLED_CHECK_MS: '2000',
    ...extraEnv,
  };
  const logs = `${ROOT}/.run/test-logs/saga-${name}`;
  mkdirSync(logs, { recursive: true });
  prepareDatabases(settings, { reset: true });
  let processes: RunningProcess[] = await startSystem(settings, { kind: 'files', dir: logs }, tuned);
  const env: Record<string, string> = { ...environment(settings), ...tuned };
  const routerUrl = `http://127.0.0.1:${settings.routerPort}/graphql`;
  const pools = new Map<string, pg.Pool>();
  const sql = (unit: string) => {
    let pool = pools.get(unit);
    if (!pool) {
      pool = new pg.Pool({ connectionString: databaseUrl(settings, unit), max: 2 });
      pools.set(unit, pool);
    }
    return pool;
  };
  const processOf = (which: ProcessName) => {
    const found = processes.find((p) => p.name === which);
    if (!found) throw new Error(`${which} is not running`);
    return found;
  };

  const staff = await bearer(env, 'STAFF', userId('staff@example.com'));
  const ada = await bearer(env, 'CUSTOMER', userId('ada@example.com'));
  const grace = await bearer(env, 'CUSTOMER', userId('grace@example.com'));

  const world = {
    settings,
    env,
    routerUrl,
    providerUrl: env.PAYMENT_PROVIDER_URL!,
    redis,
    headers: { staff, ada, grace },
    sql,

    /** Each running process's id, by name (a benchmark reads their CPU time). */
    pids(): Map<string, number> {
      return new Map(processes.map((p) => [p.name, p.child.pid!] as const));
    },

    /** SIGKILL: no shutdown code runs, as when a machine dies. */
    async kill(which: ProcessName) {
      const running = processOf(which);
      await new Promise<void>((resolve) => {
        if (running.child.exitCode !== null || running.child.signalCode !== null) return resolve();
        running.child.once('exit', () => resolve());
        running.child.kill('SIGKILL');
      });
      processes = processes.filter((p) => p !== running);
    },
    /** Starts again a process of the world (after kill), with the same settings and any given here. */
    async start(which: ProcessName, extraEnv: Record<string, string> = {}) {
      processes.push(await startProcess(settings, which, { kind: 'files', dir: logs }, { ...tuned, ...extraEnv }));
    },

    /** Switches the provider's failure modes (POST /control). */
    async provider(control: { mode?: 'ok' | 'decline' | 'error' | 'down'; latencyMs?: number; errorRate?: number }) {
      const response = await fetch(`${env.PAYMENT_PROVIDER_URL}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(control),
      });
      if (!response.ok) throw new Error(`provider control: ${response.status} ${await response.text()}`);
    },
    async charges(): Promise<Array<{ id: string; status: string; reference: string; amountCents: number }>> {
      return (await fetch(`${env.PAYMENT_PROVIDER_URL}/charges`)).json() as never;
    },
    async refunds(): Promise<Array<{ id: string; chargeId: string; amountCents: number }>> {
      return (await fetch(`${env.PAYMENT_PROVIDER_URL}/refunds`)).json() as never;
    },

    /** A product of its own for a test, with `onHand` in stock, known to orders' copy. */
    async product(onHand: number, priceCents = 1500): Promise<string> {
      const sku = `SAGA-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
      const created = await graphql<{ createProduct: { id: string } }>(
        routerUrl,
        'mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }',
        { input: { sku, name: `Saga ${sku}`, priceCents, currency: 'EUR' } },
        staff,
      );
      if (!created.body.data) throw new Error(`createProduct: ${JSON.stringify(created.body.errors)}`);
      const id = created.body.data.createProduct.id;
      await waitFor(`stock row of ${sku}`, async () => {
        const restocked = await graphql(
          routerUrl,
          'mutation($id: ID!, $quantity: Int!) { restock(productId: $id, quantity: $quantity) { onHand } }',
          { id, quantity: onHand },
          staff,
        );
        return !restocked.body.errors;
      });
      await waitFor(`${sku} in orders' copy`, async () => {
        const { rows } = await sql('orders').query('SELECT 1 FROM catalog_products WHERE product_id = $1', [id]);
        return rows.length > 0;
      });
      return id;
    },

    /** placeOrder through the router; the order's id, or the error codes. */
    async placeOrder(
      items: Array<{ productId: string; quantity: number }>,
      options: { idempotencyKey?: string; as?: Record<string, string> } = {},
    ) {
      return graphql<{ placeOrder: { id: string; status: string } }>(
        routerUrl,
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }',
        { input: { items, idempotencyKey: options.idempotencyKey ?? crypto.randomUUID() } },
        options.as ?? ada,
      );
    },

    /** The orders' statuses, from orders' own database. */
    async statuses(orderIds: readonly string[]): Promise<Map<string, string>> {
      const { rows } = await sql('orders').query<{ id: string; status: string }>(
        'SELECT id, status FROM orders WHERE id = ANY($1::uuid[])',
        [orderIds],
      );
      return new Map(rows.map((row) => [row.id, row.status]));
    },

    /** Waits until every order is in a final state; the statuses. */
    async settled(orderIds: readonly string[], timeoutMs = 120_000): Promise<Map<string, string>> {
      return waitFor(
        `${orderIds.length} orders in a final state`,
        async () => {
          const statuses = await world.statuses(orderIds);
          const done = [...statuses.values()].filter((s) => (FINAL_STATUSES as readonly string[]).includes(s));
          return statuses.size === orderIds.length && done.length === orderIds.length && statuses;
        },
        timeoutMs,
      );
    },

    async stock(productId: string): Promise<{ onHand: number; reserved: number }> {
      const { rows } = await sql('inventory').query<{ on_hand: number; reserved: number }>(
        'SELECT on_hand, reserved FROM stock_items WHERE product_id = $1',
        [productId],
      );
      if (!rows[0]) throw new Error(`no stock row for ${productId}`);
      return { onHand: rows[0].on_hand, reserved: rows[0].reserved };
    },

    /**
     * What every saga test ends with: every order final; the product's stock is its start minus
     * the confirmed quantities, nothing left reserved; exactly one capture at the provider per
     * confirmed order and none for any other order (a charge captured then refunded counts too).
     */
    async expectConsistent(
      orders: ReadonlyArray<{ id: string; quantity: number }>,
      productId: string,
      startOnHand: number,
      expect: (actual: unknown) => { toEqual(expected: unknown): void },
    ) {
      const statuses = await world.settled(orders.map((o) => o.id));
      const confirmed = orders.filter((o) => statuses.get(o.id) === 'CONFIRMED');
      const sold = confirmed.reduce((sum, o) => sum + o.quantity, 0);
      // Committing a reservation is the last step and runs after CONFIRMED: wait for it.
      const stock = await waitFor(
        'stock to settle',
        async () => {
          const now = await world.stock(productId);
          return now.reserved === 0 && now.onHand === startOnHand - sold && now;
        },
        30_000,
      ).catch(() => world.stock(productId));
      expect(stock).toEqual({ onHand: startOnHand - sold, reserved: 0 });
      const ids = new Set(orders.map((o) => o.id));
      const captures = new Map<string, number>();
      for (const charge of await world.charges()) {
        if (ids.has(charge.reference) && charge.status === 'captured')
          captures.set(charge.reference, (captures.get(charge.reference) ?? 0) + 1);
      }
      const expected = new Map(confirmed.map((o) => [o.id, 1]));
      expect(Object.fromEntries([...captures].sort())).toEqual(Object.fromEntries([...expected].sort()));
      return { statuses, confirmed: confirmed.length };
    },

    /** Stops every process, then removes the private Redis and the world's databases. */
    async stop() {
      await stopSystem(processes);
      await Promise.all([...pools.values()].map((pool) => pool.end()));
      await redis.remove();
      const server = new pg.Client({ connectionString: postgresUrl });
      await server.connect();
      try {
        for (const unit of UNITS) {
          await server.query(`DROP DATABASE IF EXISTS "${settings.databasePrefix}${unit}" WITH (FORCE)`);
        }
      } finally {
        await server.end();
      }
    },
  };
  return world;
}
