/**
 * The project's own pages through our router and through a plain @apollo/gateway, over the same
 * running subgraphs: the 20-product storefront page with stock (anonymous), from catalog's read
 * model and again with it off (catalog restarted with STOREFRONT_READ_MODEL=off), one product with its
 * stock (anonymous), `me { orders … }` of a seeded customer, and the staff page of 50 orders with
 * customers, items, products, stock and payments.
 *   POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres pnpm --filter @commerce/bench run pages
 * Settings (environment): BENCH_SECONDS (10) measured per round, BENCH_WARMUP_SECONDS (5) of load
 * before each measure, BENCH_ROUNDS (2), BENCH_CONNECTIONS (20), BENCH_PAGES (all; a comma-separated
 * list of the ids below), BENCH_LOG_LEVEL (info, as deployed) for every process of the system.
 * Self-contained and bounded: a whole system of its own (tests/saga/world.ts: private Redis,
 * <TEST_DATABASE_PREFIX or commerce_test_>saga_pages_* databases, seeded, dropped at the end; every
 * unit, the router and the sandboxes as processes on spare ports), plus 30 products with stock and
 * 60 orders placed through the router and paid at the provider sandbox. Then a plain gateway
 * (bench/pages-plain-gateway.ts) on the same supergraph and subgraphs. Per page and round both
 * gateways are measured one after the other, the order alternating between rounds, with autocannon
 * (loopback only). Every response is checked: HTTP 200, no errors, and the same data as the plain
 * gateway's first answer (which must equal ours): a fast wrong answer is an error. CPU per request
 * of each gateway and of each subgraph process (and Postgres, Redis) from /proc over the measured
 * seconds. Writes bench/results/pages.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { issueAccessToken, parseKeyRing } from '@commerce/service-kit';
import autocannon from 'autocannon';
import { stableId, userId } from '../prisma/seed/fixtures.ts';
import { ROOT, UNITS } from '../scripts/lib/system.ts';
import { STALENESS_BOUND_MS } from '../subgraphs/catalog/src/read-model/storefront.ts';
import { freePort, waitFor } from '../tests/messaging/support.ts';
import { startSagaWorld } from '../tests/saga/world.ts';
import { untilStorefrontCaughtUp } from '../tests/support/storefront.ts';
import { cpuMs, cpuMsBetween, cpuMsOfCommand, safeJson } from './support.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
const only = process.env.BENCH_PAGES?.split(',').map((id) => id.trim());
/**
 * Raised for the load: every request comes from 127.0.0.1 as one caller, and 20 connections ask
 * far more than a person would in a 60 s window (the test system's 20,000 would refuse most of a
 * round). Nothing else of the router's settings changes.
 */
const rateLimit = Number(process.env.BENCH_RATE_LIMIT ?? 10_000_000);
/**
 * The staff page measures 11,853 in the router's cost model (a list without `first`, here an
 * order's items, counts as a page of 20), above the default limit of 10,000: raised to just above.
 */
const maxQueryCost = Number(process.env.BENCH_MAX_QUERY_COST ?? 12_000);
const EXTRA_PRODUCTS = 30;
const ORDERS = 60;

type Gateway = 'ours' | 'plain';
type Page = {
  id: string;
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  as: 'anonymous' | 'ada' | 'staff';
  /** Settings catalog runs with for this page only (it is restarted with them, then as before). */
  catalogEnv?: Record<string, string>;
};

const PAGES: Page[] = [
  {
    id: 'storefront',
    label: 'storefront: 20 products with stock (anonymous)',
    query:
      'query Storefront { products(first: 20) { totalCount edges { cursor node { id sku name priceCents currency category { name } stock { available } } } pageInfo { hasNextPage endCursor } } }',
    as: 'anonymous',
  },
  {
    // Today's path, for comparison: the same page with catalog's storefront read model off
    // (catalog answers from Postgres; the same answer, checked like every other).
    id: 'storefront-postgres',
    label: 'storefront: 20 products with stock (anonymous), read model off',
    query:
      'query Storefront { products(first: 20) { totalCount edges { cursor node { id sku name priceCents currency category { name } stock { available } } } pageInfo { hasNextPage endCursor } } }',
    as: 'anonymous',
    catalogEnv: { STOREFRONT_READ_MODEL: 'off' },
  },
  {
    id: 'product',
    label: 'one product with its stock (anonymous)',
    query:
      'query ProductPage($id: ID!) { product(id: $id) { id sku name description priceCents currency active category { slug name } stock { available onHand } } }',
    variables: { id: stableId('product', 'KIT-MUG-01') },
    as: 'anonymous',
  },
  {
    id: 'my-orders',
    label: '`me { orders }`: a customer’s 20 latest orders (bearer)',
    query:
      'query MyOrders { me { id name email orders(first: 20) { totalCount edges { node { id status totalCents currency createdAt items { quantity unitPriceCents lineTotalCents product { id name } } payment { status amountCents } } } } } }',
    as: 'ada',
  },
  {
    id: 'staff-orders',
    label: 'staff: 50 orders with customers, items, products, stock, payments (bearer)',
    query:
      'query StaffOrders { orders(first: 50) { totalCount edges { node { id status totalCents currency createdAt customer { id name email } items { quantity unitPriceCents lineTotalCents product { id sku name stock { available onHand reserved } } } payment { id status amountCents providerReference attempts } } } } }',
    as: 'staff',
  },
].filter((page) => !only || only.includes(page.id)) as Page[];

const started = new Date();
const world = await startSagaWorld('pages', {
  LOG_LEVEL: logLevel,
  NODE_ENV: 'production',
  RATE_LIMIT_ANONYMOUS: String(rateLimit),
  RATE_LIMIT_CUSTOMER: String(rateLimit),
  RATE_LIMIT_STAFF: String(rateLimit),
  MAX_QUERY_COST: String(maxQueryCost),
});
let plain: ChildProcess | undefined;
// However the run ends, the plain gateway goes with it (the world is stopped in finally).
process.on('exit', () => plain?.kill('SIGKILL'));
try {
  // The world's Redis fsyncs every write (the saga tests want that); deployed Redis fsyncs every
  // second (scripts/lib/services.sh), and our router counts each request in Redis: as deployed.
  execFileSync('redis-cli', ['-u', world.redis.url, 'CONFIG', 'SET', 'appendfsync', 'everysec'], { stdio: 'pipe' });

  // ——— data: 30 more products with stock, 60 paid orders ———
  await world.provider({ mode: 'ok', latencyMs: 0, errorRate: 0 });
  const productIds: string[] = [];
  for (let i = 0; i < EXTRA_PRODUCTS; i += 10) {
    productIds.push(
      ...(await Promise.all(Array.from({ length: 10 }, (_, j) => world.product(100_000, 1000 + 100 * (i + j))))),
    );
  }
  const orderIds: string[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const items = [0, 1, 2].map((k) => ({ productId: productIds[(i + 7 * k) % productIds.length]!, quantity: 1 + k }));
    const placed = await world.placeOrder(items, { as: i % 2 === 0 ? world.headers.ada : world.headers.grace });
    const id = placed.body.data?.placeOrder.id;
    if (!id) throw new Error(`placeOrder: ${JSON.stringify(placed.body.errors)}`);
    orderIds.push(id);
  }
  const statuses = await world.settled(orderIds);
  const confirmed = [...statuses.values()].filter((s) => s === 'CONFIRMED').length;
  if (confirmed !== ORDERS) throw new Error(`only ${confirmed} of ${ORDERS} seeded orders were confirmed`);
  // A reservation is committed just after CONFIRMED: wait until no stock is held, so stock stands still.
  await waitFor('reservations committed', async () => {
    const { rows } = await world
      .sql('inventory')
      .query<{ held: string }>(
        'SELECT COALESCE(SUM(reserved), 0) AS held FROM stock_items WHERE product_id = ANY($1)',
        [productIds],
      );
    return Number(rows[0]!.held) === 0;
  });
  // The storefront's read model hears every stock change asynchronously: caught up, then still for a bound.
  await untilStorefrontCaughtUp(world.env);
  await new Promise((resolve) => setTimeout(resolve, STALENESS_BOUND_MS));
  const productsInCatalog = (await world.sql('catalog').query('SELECT 1 FROM products')).rowCount;
  const ordersInOrders = (await world.sql('orders').query('SELECT 1 FROM orders')).rowCount;
  const paymentsInPayments = (await world.sql('payments').query('SELECT 1 FROM payments')).rowCount;
  console.log(`data: ${productsInCatalog} products, ${ordersInOrders} orders, ${paymentsInPayments} payments`);

  // Tokens for the whole run (the tests' bearer() lives 5 minutes).
  const [key] = parseKeyRing(world.env.JWT_SIGNING_KEY!);
  const token = async (id: string, role: 'CUSTOMER' | 'STAFF') =>
    `Bearer ${await issueAccessToken({ userId: id, role }, key!, 3600)}`;
  const authorization: Record<Page['as'], string | undefined> = {
    anonymous: undefined,
    ada: await token(userId('ada@example.com'), 'CUSTOMER'),
    staff: await token(userId('staff@example.com'), 'STAFF'),
  };

  // ——— the plain gateway over the same subgraphs ———
  const plainPort = await freePort();
  const logs = join(ROOT, '.run/test-logs/saga-pages');
  mkdirSync(logs, { recursive: true });
  const log = createWriteStream(join(logs, 'plain-gateway.log'));
  plain = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'pages-plain-gateway.ts'),
      join(ROOT, 'router/supergraph.graphql'),
      String(plainPort),
    ],
    { cwd: ROOT, env: { ...process.env, ...world.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  plain.stdout!.pipe(log);
  plain.stderr!.pipe(log);
  const urls: Record<Gateway, string> = { ours: world.routerUrl, plain: `http://127.0.0.1:${plainPort}/graphql` };
  const plainExited = new Promise<never>((_, reject) =>
    plain!.once('exit', () => reject(new Error(`the plain gateway exited; see ${logs}/plain-gateway.log`))),
  );
  plainExited.catch(() => {});
  const plainReady = waitFor('the plain gateway', async () => {
    const response = await fetch(urls.plain, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    }).catch(() => undefined);
    return response?.ok ?? false;
  });
  await Promise.race([plainReady, plainExited]);
  const pids: Record<Gateway, number> = { ours: world.pids().get('router')!, plain: plain.pid! };
  let unitPids = new Map(UNITS.map((unit) => [unit, world.pids().get(unit)!] as const));
  /** Restarts catalog with these settings (none: as the world runs it) and waits until it answers. */
  const restartCatalog = async (env: Record<string, string> = {}) => {
    await world.kill('catalog');
    await world.start('catalog', env);
    unitPids = new Map(UNITS.map((unit) => [unit, world.pids().get(unit)!] as const));
  };

  // ——— the expected answers ———
  const headersOf = (page: Page): Record<string, string> => ({
    'content-type': 'application/json',
    ...(authorization[page.as] ? { authorization: authorization[page.as]! } : {}),
  });
  const bodyOf = (page: Page) => JSON.stringify({ query: page.query, variables: page.variables ?? {} });
  const expected = new Map<string, { text: string; json: unknown }>();
  for (const page of PAGES) {
    const answers = await Promise.all(
      (['plain', 'ours'] as const).map(async (gateway) => {
        const response = await fetch(urls[gateway], { method: 'POST', headers: headersOf(page), body: bodyOf(page) });
        return { status: response.status, text: await response.text() };
      }),
    );
    const [fromPlain, fromOurs] = answers.map((answer) => ({ ...answer, json: JSON.parse(answer.text) })) as [
      { status: number; text: string; json: { data?: unknown; errors?: unknown } },
      { status: number; text: string; json: { data?: unknown; errors?: unknown } },
    ];
    for (const [name, answer] of [
      ['plain', fromPlain],
      ['ours', fromOurs],
    ] as const) {
      if (answer.status !== 200 || answer.json.errors || !answer.json.data)
        throw new Error(`${page.id} via ${name}: ${answer.status} ${answer.text.slice(0, 500)}`);
    }
    if (!isDeepStrictEqual(fromPlain.json, fromOurs.json))
      throw new Error(
        `${page.id}: the gateways disagree:\nplain ${fromPlain.text.slice(0, 400)}\nours  ${fromOurs.text.slice(0, 400)}`,
      );
    expected.set(page.id, { text: fromPlain.text, json: fromPlain.json });
    console.log(`${page.id}: both gateways answer the same ${(fromPlain.text.length / 1024).toFixed(1)} KiB`);
  }

  // ——— the load ———
  type Measured = {
    requests: number;
    perSecond: number;
    p50: number;
    p99: number;
    errors: number;
    gatewayCpu: number;
    unitCpu: Record<string, number>;
    postgresCpu: number;
    redisCpu: number;
  };
  const results = new Map<string, Measured[]>();
  const load = (page: Page, gateway: Gateway, duration: number) => {
    const want = expected.get(page.id)!;
    let wrong = 0;
    return autocannon({
      url: urls[gateway],
      method: 'POST',
      headers: headersOf(page),
      body: bodyOf(page),
      connections,
      duration,
      requests: [
        {
          onResponse: (status: number, body: string) => {
            const text = String(body);
            if (status !== 200 || (text !== want.text && !isDeepStrictEqual(safeJson(text), want.json))) wrong++;
          },
        },
      ],
    }).then((result) => ({ result, wrong }));
  };
  const measure = async (page: Page, gateway: Gateway): Promise<Measured> => {
    await load(page, gateway, warmupSeconds);
    const gatewayBefore = cpuMs(pids[gateway]);
    const unitsBefore = new Map([...unitPids].map(([unit, pid]) => [unit, cpuMs(pid)] as const));
    const postgresBefore = cpuMsOfCommand('postgres');
    const redisBefore = cpuMsOfCommand('redis-server');
    const { result, wrong } = await load(page, gateway, seconds);
    const requests = result.requests.total;
    const per = (ms: number) => (requests > 0 ? ms / requests : Number.NaN);
    return {
      requests,
      perSecond: requests / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: wrong + result.errors + result.timeouts + result.non2xx,
      gatewayCpu: per(cpuMs(pids[gateway]) - gatewayBefore),
      unitCpu: Object.fromEntries([...unitPids].map(([unit, pid]) => [unit, per(cpuMs(pid) - unitsBefore.get(unit)!)])),
      postgresCpu: per(cpuMsBetween(postgresBefore, cpuMsOfCommand('postgres'))),
      redisCpu: per(cpuMsBetween(redisBefore, cpuMsOfCommand('redis-server'))),
    };
  };
  const loadStarted = performance.now();
  for (const page of PAGES) {
    if (page.catalogEnv) await restartCatalog(page.catalogEnv);
    for (let round = 0; round < rounds; round++) {
      const order: Gateway[] = round % 2 === 0 ? ['ours', 'plain'] : ['plain', 'ours'];
      for (const gateway of order) {
        const measured = await measure(page, gateway);
        const key = `${page.id}/${gateway}`;
        results.set(key, [...(results.get(key) ?? []), measured]);
        console.log(
          `${page.id.padEnd(13)} round ${round + 1}/${rounds} ${gateway.padEnd(5)} ${measured.perSecond.toFixed(0).padStart(5)} req/s  p50 ${measured.p50} ms  p99 ${measured.p99} ms  errors ${measured.errors}/${measured.requests}  gateway CPU ${measured.gatewayCpu.toFixed(2)} ms/req`,
        );
        console.log(
          `${' '.repeat(13)} subgraphs CPU ms/req: ${Object.entries(measured.unitCpu)
            .filter(([, ms]) => ms >= 0.005)
            .map(([unit, ms]) => `${unit} ${ms.toFixed(2)}`)
            .join(', ')}; postgres ${measured.postgresCpu.toFixed(2)}, redis ${measured.redisCpu.toFixed(2)}`,
        );
      }
    }
    if (page.catalogEnv) await restartCatalog();
  }
  const loadMinutes = (performance.now() - loadStarted) / 60_000;

  // ——— the report ———
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const summary = (page: Page, gateway: Gateway) => {
    const measured = results.get(`${page.id}/${gateway}`)!;
    return {
      perSecond: mean(measured.map((m) => m.perSecond)),
      p50: mean(measured.map((m) => m.p50)),
      p99: mean(measured.map((m) => m.p99)),
      errors: measured.reduce((sum, m) => sum + m.errors, 0),
      requests: measured.reduce((sum, m) => sum + m.requests, 0),
      gatewayCpu: mean(measured.map((m) => m.gatewayCpu)),
      unitCpu: Object.fromEntries(UNITS.map((unit) => [unit, mean(measured.map((m) => m.unitCpu[unit]!))])),
      postgresCpu: mean(measured.map((m) => m.postgresCpu)),
      redisCpu: mean(measured.map((m) => m.redisCpu)),
    };
  };
  const LABEL: Record<Gateway, string> = { ours: 'our router', plain: 'plain @apollo/gateway' };
  const table = [
    '| page | gateway | req/s | p50 ms | p99 ms | errors / requests | gateway CPU ms/req | req/s ours ÷ plain | p99 ours ÷ plain | CPU/req ours ÷ plain |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...PAGES.flatMap((page) => {
      const ours = summary(page, 'ours');
      const base = summary(page, 'plain');
      return (['ours', 'plain'] as const).map((gateway) => {
        const row = gateway === 'ours' ? ours : base;
        const ratios =
          gateway === 'ours'
            ? `**${(ours.perSecond / base.perSecond).toFixed(2)}×** | ${(ours.p99 / base.p99).toFixed(2)}× | ${(ours.gatewayCpu / base.gatewayCpu).toFixed(2)}×`
            : '1.00× | 1.00× | 1.00×';
        return `| ${page.id} | ${LABEL[gateway]} | ${row.perSecond.toFixed(0)} | ${row.p50.toFixed(0)} | ${row.p99.toFixed(0)} | ${row.errors} / ${row.requests} | ${row.gatewayCpu.toFixed(2)} | ${ratios} |`;
      });
    }),
  ].join('\n');
  const busyUnits = UNITS.filter((unit) =>
    PAGES.some((page) => (['ours', 'plain'] as const).some((g) => summary(page, g).unitCpu[unit]! >= 0.005)),
  );
  const cpuTable = [
    `| page | gateway | gateway | ${busyUnits.join(' | ')} | postgres | redis |`,
    `|---|---|---:|${busyUnits.map(() => '---:').join('|')}|---:|---:|`,
    ...PAGES.flatMap((page) =>
      (['ours', 'plain'] as const).map((gateway) => {
        const row = summary(page, gateway);
        return `| ${page.id} | ${LABEL[gateway]} | ${row.gatewayCpu.toFixed(2)} | ${busyUnits.map((unit) => row.unitCpu[unit]!.toFixed(2)).join(' | ')} | ${row.postgresCpu.toFixed(2)} | ${row.redisCpu.toFixed(2)} |`;
      }),
    ),
  ].join('\n');
  const perRound = [
    '| page | gateway | round | req/s | p50 ms | p99 ms | errors | gateway CPU ms/req |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...PAGES.flatMap((page) =>
      (['ours', 'plain'] as const).flatMap((gateway) =>
        results
          .get(`${page.id}/${gateway}`)!
          .map(
            (m, i) =>
              `| ${page.id} | ${gateway} | ${i + 1} | ${m.perSecond.toFixed(0)} | ${m.p50} | ${m.p99} | ${m.errors} | ${m.gatewayCpu.toFixed(2)} |`,
          ),
      ),
    ),
  ].join('\n');
  const cpus = os.cpus();
  const command = `POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres BENCH_SECONDS=${seconds} BENCH_WARMUP_SECONDS=${warmupSeconds} BENCH_ROUNDS=${rounds} BENCH_CONNECTIONS=${connections} BENCH_RATE_LIMIT=${rateLimit} BENCH_MAX_QUERY_COST=${maxQueryCost} BENCH_LOG_LEVEL=${logLevel}${only ? ` BENCH_PAGES=${only.join(',')}` : ''} pnpm --filter @commerce/bench run pages`;
  const report = `# The project's pages: our router and plain @apollo/gateway over the same subgraphs

Command: \`${command}\`

Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}, Node ${process.version}. Date: ${started.toISOString()}; load ${loadMinutes.toFixed(1)} min; load average at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}.

One system (tests/saga/world.ts: every unit, the router, the sandboxes, a private Redis, databases on
the shared Postgres, seeded) with ${productsInCatalog} products (the seed's and ${EXTRA_PRODUCTS} more, with stock),
${ordersInOrders} orders and ${paymentsInPayments} payments (the seed's and ${ORDERS} placed through the router and captured at the
provider sandbox). Both gateways run over the same subgraph processes and the same
router/supergraph.graphql, one at a time: per page, ${rounds} rounds of ${warmupSeconds} s warm-up then ${seconds} s measured with
autocannon (${connections} connections, loopback), ours first in odd rounds and plain first in even ones. Load
generator, gateways, subgraphs, Postgres and Redis share the machine's cores. Figures are the means of the
rounds. Errors: every response that is not HTTP 200 with exactly the data the plain gateway first answered
(checked equal to ours before the load), plus socket errors and timeouts. CPU: user + system from /proc
over the measured seconds, per request.

${table}

Where the time goes: CPU ms per request of each process during each page's measured seconds (the
gateway, each subgraph that did any work, every Postgres backend, Redis):

${cpuTable}

Our router ran as the system runs it (JWT auth, operation limits, persisted-query rules, introspection
for staff only, Redis rate limits, per-subgraph timeouts, retries, breakers and bulkheads, the signed
identity header, an access log line per request), NODE_ENV=production, LOG_LEVEL=${logLevel} in every
process. What was set for the run: RATE_LIMIT_ANONYMOUS, RATE_LIMIT_CUSTOMER and RATE_LIMIT_STAFF
=${rateLimit} per 60 s window (the test system's 20,000 would refuse most of a round: every request comes
from one caller on 127.0.0.1); the private Redis set to \`appendfsync everysec\` as deployed (the saga
world's default fsyncs every write); MAX_QUERY_COST=${maxQueryCost} (default 10,000): the staff page measures 11,853
in the router's cost model, which counts a list without \`first\` (an order's items) as a page of 20. The
other operation limits (depth, fields, aliases, tokens) stayed at their defaults.

The plain gateway (bench/pages-plain-gateway.ts): @apollo/gateway on @apollo/server's standalone server,
with NODE_ENV=production and nothing of our router's but what lets it in: our subgraphs answer only a
signed identity header, which a plain gateway does not send. So it reads the bearer token with the
system's JWT_VERIFICATION_KEYS (none or a bad one: anonymous), and a willSendRequest signs that identity
for each subgraph with the system's ROUTER_SIGNING_SECRET, per request, as the router does. No limits,
no rate limits, no resilience, no access log.

Per round:

${perRound}
`;
  writeFileSync(join(ROOT, 'bench/results/pages.md'), report);
  console.log(`\n${table}\n\n${cpuTable}\n\nwritten to bench/results/pages.md`);
} finally {
  if (plain && plain.exitCode === null) {
    const exited = new Promise<void>((resolve) => plain!.once('exit', () => resolve()));
    plain.kill('SIGTERM');
    await exited;
  }
  await world.stop();
}
