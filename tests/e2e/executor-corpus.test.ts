import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUIRKS } from '../../bench/gateways/subgraphs/quirks.ts';
import { BENCH_SUBGRAPHS, type BenchSubgraphName } from '../../bench/gateways/subgraphs/schemas.ts';
import { stableId, userId } from '../../prisma/seed/fixtures.ts';
import { freePort, waitFor } from '../messaging/support.ts';
import { bearer, deadUrl, type RunningRouter, startedPerTest } from '../support/router.ts';

// The router's own query-plan executor (ROUTER_EXECUTOR=own) against @apollo/gateway's
// (ROUTER_EXECUTOR=gateway): the same operations through two routers over the same running
// subgraphs must give the same JSON, data and errors alike.
const env = inject('env');
const ROOT = join(import.meta.dirname, '../..');
const started = startedPerTest(env);

type Caller = 'anonymous' | 'ada' | 'staff';
type Entry = { name: string; query: string; variables?: Record<string, unknown>; as?: Caller };

async function headersOf(as: Caller = 'anonymous'): Promise<Record<string, string>> {
  if (as === 'ada') return bearer(env, 'CUSTOMER', userId('ada@example.com'));
  if (as === 'staff') return bearer(env, 'STAFF', userId('staff@example.com'));
  return {};
}

async function ask(router: RunningRouter, entry: Entry) {
  const response = await fetch(router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await headersOf(entry.as)) },
    body: JSON.stringify({ query: entry.query, variables: entry.variables ?? {} }),
  });
  const body = (await response.json()) as { errors?: unknown[] };
  // Parallel branches of a plan finish in any order, and so do their errors: compared as a set.
  if (body.errors) body.errors = body.errors.map((error) => JSON.stringify(error)).sort();
  return { status: response.status, body };
}

/**
 * Both answers, asked one after the other. Other test files change stock and orders meanwhile, so
 * a difference is asked again (a few times) before it counts: an executor's mistake persists.
 */
async function compare(own: RunningRouter, gateway: RunningRouter, entry: Entry) {
  let last: [unknown, unknown] = [undefined, undefined];
  for (let attempt = 0; attempt < 3; attempt++) {
    last = [await ask(own, entry), await ask(gateway, entry)];
    if (JSON.stringify(last[0]) === JSON.stringify(last[1])) break;
  }
  expect(last[0], entry.name).toEqual(last[1]);
  return last[0] as Awaited<ReturnType<typeof ask>>;
}

async function plansRun(router: RunningRouter, executor: 'own' | 'gateway'): Promise<number> {
  const text = await (await fetch(router.url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`router_plans_executed_total{executor="${executor}"}`));
  return line ? Number(line.split(' ')[1]) : 0;
}

const productId = stableId('product', 'KIT-MUG-01');
const SETTINGS = {
  MAX_QUERY_COST: '20000',
  RATE_LIMIT_ANONYMOUS: '100000',
  RATE_LIMIT_CUSTOMER: '100000',
  RATE_LIMIT_STAFF: '100000',
};

const PROJECT: Entry[] = [
  {
    name: 'storefront page',
    query:
      'query Storefront { products(first: 20) { totalCount edges { cursor node { id sku name priceCents currency category { name } stock { available } } } pageInfo { hasNextPage endCursor } } }',
  },
  {
    name: 'product page',
    query:
      'query ProductPage($id: ID!) { product(id: $id) { id sku name description priceCents currency active category { slug name } stock { available onHand } } }',
    variables: { id: productId },
  },
  {
    name: 'my orders page',
    as: 'ada',
    query:
      'query MyOrders { me { id name email orders(first: 20) { totalCount edges { node { id status totalCents currency createdAt items { quantity unitPriceCents lineTotalCents product { id name } } payment { status amountCents } } } } } }',
  },
  {
    name: 'staff orders page',
    as: 'staff',
    query:
      'query StaffOrders { orders(first: 50) { totalCount edges { node { id status totalCents currency createdAt customer { id name email } items { quantity unitPriceCents lineTotalCents product { id sku name stock { available onHand reserved } } } payment { id status amountCents providerReference attempts } } } } }',
  },
  {
    name: 'aliases, named and inline fragments, __typename at every level',
    query: `query Shapes { __typename
      first: products(first: 3) { __typename edges { node { __typename id label: name ...Stock ... on Product { again: name sku } } } }
      again: products(first: 2) { totalCount kind: __typename }
    }
    fragment Stock on Product { stock { __typename available onHand } }`,
  },
  {
    name: 'the same field twice through fragments, merged',
    query: '{ products(first: 2) { edges { node { id stock { available } ... on Product { stock { onHand } } } } } }',
  },
  {
    name: '@include and @skip with variables (included)',
    query:
      'query Conditions($withStock: Boolean!, $skipName: Boolean = false) { products(first: 3) { edges { node { id name @skip(if: $skipName) stock @include(if: $withStock) { available } } } } }',
    variables: { withStock: true },
  },
  {
    name: '@include and @skip with variables (left out)',
    query:
      'query Conditions($withStock: Boolean!, $skipName: Boolean = false) { products(first: 3) { edges { node { id name @skip(if: $skipName) stock @include(if: $withStock) { available } } } } }',
    variables: { withStock: false, skipName: true },
  },
  { name: 'a literal @skip', query: '{ products(first: 2) { totalCount edges @skip(if: true) { cursor } } }' },
  {
    name: 'a product that does not exist: null',
    query: 'query($id: ID!) { product(id: $id) { id name stock { available } } }',
    variables: { id: '00000000-0000-4000-8000-000000000000' },
  },
  { name: 'an error from a subgraph at the root', query: '{ products(first: 0) { totalCount } }' },
  {
    name: 'a variable of the wrong type',
    query: 'query($first: Int!) { products(first: $first) { totalCount } }',
    variables: { first: 'many' },
  },
  { name: 'anonymous me: null', query: '{ me { id orders(first: 1) { totalCount } } }' },
  {
    name: 'staff-only stock figures asked anonymously, inside entity fetches',
    query: '{ products(first: 3) { edges { node { id stock { available reserved } } } } }',
  },
  { name: 'a staff-only list asked by a customer', as: 'ada', query: '{ orders(first: 1) { totalCount } }' },
  { name: 'categories', query: '{ categories { slug name } }' },
  { name: 'me', as: 'ada', query: '{ me { id email name role } }' },
  {
    name: 'my notifications',
    as: 'ada',
    query:
      '{ me { unreadNotificationCount notifications(first: 5) { totalCount edges { node { id title channel readAt } } } } }',
  },
  {
    name: 'orders with their customers and timelines',
    as: 'staff',
    query:
      '{ orders(first: 5) { edges { node { id status customer { name email } timeline { step detail } items { product { name stock { available } } } } } } }',
  },
  {
    name: 'a customer asking for another customer’s order payment',
    as: 'ada',
    query: 'query($id: ID!) { order(id: $id) { id payment { status amountCents currency attempts } } }',
    variables: { id: stableId('order', 'grace-1') },
  },
];

describe('the router’s own executor answers as @apollo/gateway’s', () => {
  it('the project’s pages and the end-to-end tests’ queries: fragments, aliases, __typename, @skip/@include, nulls and errors', async () => {
    const own = await started.router({ ...SETTINGS, ROUTER_EXECUTOR: 'own' });
    const gateway = await started.router({ ...SETTINGS, ROUTER_EXECUTOR: 'gateway' });
    for (const entry of PROJECT) await compare(own, gateway, entry);
    // Every query ran on the router's own executor, none fell back to the gateway's.
    expect(await plansRun(own, 'gateway')).toBe(0);
    expect(await plansRun(own, 'own')).toBeGreaterThan(0);
    expect(await plansRun(gateway, 'own')).toBe(0);
  });

  it('with a subgraph down: the same partial data, with SUBGRAPH_UNAVAILABLE at the same paths', async () => {
    const down = { ...SETTINGS, INVENTORY_URL: await deadUrl(), SUBGRAPH_RETRIES: '0' };
    const own = await started.router({ ...down, ROUTER_EXECUTOR: 'own' });
    const gateway = await started.router({ ...down, ROUTER_EXECUTOR: 'gateway' });
    for (const entry of PROJECT.slice(0, 4)) {
      const answer = await compare(own, gateway, entry);
      if (entry.name === 'storefront page') {
        // Availability comes from catalog's storefront read model: inventory is not asked at all.
        expect(answer.body.errors).toBeUndefined();
      } else if (entry.name !== 'my orders page') {
        expect(JSON.stringify(answer.body.errors)).toContain('SUBGRAPH_UNAVAILABLE');
      }
    }
  });

  it('introspection and mutations stay with the gateway’s executor', async () => {
    const own = await started.router({ ...SETTINGS, ROUTER_EXECUTOR: 'own', INTROSPECTION: 'all' });
    const response = await ask(own, { name: 'introspection', query: '{ __schema { queryType { name } } }' });
    expect(response.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect(await plansRun(own, 'gateway')).toBe(1);
  });
});

type Subgraph = BenchSubgraphName | 'quirks';

/** The four subgraphs of the gateways benchmark and the tests' fifth (quirks.ts), each a process, and their supergraph. */
describe('over the gateways benchmark’s subgraphs', () => {
  const processes: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'executor-corpus-'));
  const supergraphPath = join(dir, 'supergraph.graphql');
  // The shared system's environment names URLs for its own accounts and inventory: the bench's win.
  const urls = {} as Record<Subgraph, string>;
  beforeAll(async () => {
    for (const name of [...(Object.keys(BENCH_SUBGRAPHS) as BenchSubgraphName[]), 'quirks' as const]) {
      const port = await freePort();
      urls[name] = `http://127.0.0.1:${port}/graphql`;
      processes.push(
        spawn(
          process.execPath,
          ['--import', 'tsx', join(ROOT, 'bench/gateways/subgraphs/main.ts'), name, String(port)],
          {
            cwd: ROOT,
            stdio: 'ignore',
          },
        ),
      );
      await waitFor(
        `bench subgraph ${name}`,
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true,
      );
    }
    const composed = composeServices(
      Object.entries({ ...BENCH_SUBGRAPHS, quirks: QUIRKS }).map(([name, { typeDefs }]) => ({
        name,
        url: urls[name as Subgraph],
        typeDefs: parse(typeDefs),
      })),
    );
    if (composed.errors) throw new Error(String(composed.errors));
    writeFileSync(supergraphPath, composed.supergraphSdl);
  });
  afterAll(() => {
    for (const child of processes) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const benchUrls = () =>
    Object.fromEntries(Object.entries(urls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url]));

  const run = readFileSync(join(ROOT, 'bench/gateways/run.ts'), 'utf8');
  const DEEP = run.split('const QUERY = `')[1]!.split('`;')[0]!;
  const EXPECTED = JSON.parse(readFileSync(join(ROOT, 'bench/gateways/expected-response.json'), 'utf8')) as unknown;
  const BENCH: Entry[] = [
    { name: 'the deep query', query: DEEP },
    {
      name: 'aliases and fragments over entities of three subgraphs',
      query: `{ top: topProducts(first: 2) { __typename upc ... on Product { inStock cost: price } reviews { id author { handle: username ...Who } } }
        me { ...Who reviews { product { upc shippingEstimate weight } } } }
        fragment Who on User { __typename id name }`,
    },
    { name: 'a user that does not exist: null', query: '{ user(id: "999") { id name reviews { id } } }' },
    {
      name: '@include on a field another subgraph resolves',
      query: 'query($deep: Boolean!) { users { id reviews @include(if: $deep) { body product { name inStock } } } }',
      variables: { deep: true },
    },
    {
      name: 'an entity field failing for one product, wherever that product appears (errors at each path)',
      query:
        '{ topProducts(first: 5) { upc label reviews { id product { upc label } } } users { reviews { product { label } } } }',
    },
    {
      name: 'a non-null field null for one product: that product null, at each place',
      query: '{ topProducts(first: 5) { upc mustHave } users { id reviews { product { upc name mustHave } } } }',
    },
    {
      name: 'both failures, aliased, under fragments',
      query: `{ topProducts(first: 5) { ...Q again: reviews { product { ...Q } } } }
        fragment Q on Product { upc tag: label ... on Product { must: mustHave } }`,
    },
    {
      name: 'aliases named as properties every object inherits',
      query:
        '{ topProducts(first: 2) { constructor: name toString: upc valueOf: inStock hasOwnProperty: reviews { id } } }',
    },
    {
      name: '@include on a field another subgraph resolves, left out',
      query: 'query($deep: Boolean!) { users { id reviews @include(if: $deep) { body product { name inStock } } } }',
      variables: { deep: false },
    },
  ];

  it('the deep query and variations give the same JSON, the deep query the benchmark’s expected answer', async () => {
    const settings = { ...SETTINGS, ...benchUrls(), MAX_QUERY_COST: '1600000', SUPERGRAPH_PATH: supergraphPath };
    const own = await started.router({ ...settings, ROUTER_EXECUTOR: 'own' });
    const gateway = await started.router({ ...settings, ROUTER_EXECUTOR: 'gateway' });
    const answers = new Map<string, Awaited<ReturnType<typeof compare>>>();
    for (const entry of BENCH) answers.set(entry.name, await compare(own, gateway, entry));
    expect((await ask(own, BENCH[0]!)).body).toEqual(EXPECTED);
    // The corpus reaches what it means to: errors from entity fetches, at several entities' paths.
    const failing = answers.get(BENCH[4]!.name)!.body.errors ?? [];
    expect(failing.filter((error) => String(error).includes('no label for product 2')).length).toBeGreaterThan(1);
    expect(await plansRun(own, 'gateway')).toBe(0);
  });

  it('with a subgraph down: the same partial data and errors', async () => {
    const settings = {
      ...SETTINGS,
      ...benchUrls(),
      MAX_QUERY_COST: '1600000',
      SUPERGRAPH_PATH: supergraphPath,
      INVENTORY_URL: await deadUrl(),
      SUBGRAPH_RETRIES: '0',
    };
    const own = await started.router({ ...settings, ROUTER_EXECUTOR: 'own' });
    const gateway = await started.router({ ...settings, ROUTER_EXECUTOR: 'gateway' });
    // Ours asks inventory for inStock and shippingEstimate in one call where the gateway makes two
    // (plan-merging.ts): the same data, and the same errors, fewer times over.
    const [ours, theirs] = [await ask(own, BENCH[0]!), await ask(gateway, BENCH[0]!)];
    const { errors: ourErrors, ...ourAnswer } = ours.body as { errors?: string[] };
    const { errors: theirErrors, ...theirAnswer } = theirs.body as { errors?: string[] };
    expect([ours.status, ourAnswer]).toEqual([theirs.status, theirAnswer]);
    const kinds = (errors: string[] = []) => [
      ...new Set(
        errors.map((error) => {
          const { code, serviceName } = JSON.parse(error).extensions;
          return `${code} ${serviceName}`;
        }),
      ),
    ];
    expect(kinds(ourErrors)).toEqual(['SUBGRAPH_UNAVAILABLE inventory']);
    expect(kinds(theirErrors)).toEqual(kinds(ourErrors));
    expect(ourErrors!.length).toBeLessThan(theirErrors!.length);
  });
});
