import { describe, expect, inject, it } from 'vitest';
import { PRODUCTS } from '../../../prisma/seed/fixtures.ts';
import { type GraphQLResponse, graphql } from '../../../tests/support/graphql.ts';
import { bearer, deadUrl, startedPerTest } from '../../../tests/support/router.ts';

// Routers started here with one subgraph URL pointing at a port where nothing listens, or at a
// real HTTP server in front of the real inventory subgraph that fails on demand. The shared test
// system is left alone.
const env = inject('env');
const { router, proxy } = startedPerTest(env);
const proxyToInventory = (options: { slowMs?: number } = {}) => proxy(env.INVENTORY_URL!, options);

// `onHand`: only inventory answers it (catalog's read model answers `available` alone).
const SHELF = '{ products(first: 3) { edges { node { name stock { onHand } } } } }';
const STOCK = 'query($id: ID!) { product(id: $id) { name stock { onHand } } }';
const RESTOCK = 'mutation($id: ID!) { restock(productId: $id, quantity: 1) { available } }';
const productId = PRODUCTS[0]!.id;

type Unavailable = { code?: unknown; serviceName?: unknown; reason?: unknown };
const unavailable = (response: GraphQLResponse<unknown>): Unavailable[] =>
  (response.body.errors ?? [])
    .map((error) => error.extensions ?? {})
    .filter((extensions) => extensions.code === 'SUBGRAPH_UNAVAILABLE');

describe('a subgraph that is down', () => {
  it('answers without waiting out the timeout, with the healthy subgraphs’ data and SUBGRAPH_UNAVAILABLE naming it', async () => {
    // A refused connection is known at once: the answer must not wait for the (long) timeout.
    const url = (await router({ INVENTORY_URL: await deadUrl(), SUBGRAPH_TIMEOUT_MS: '20000' })).url;

    const started = performance.now();
    const shelf = await graphql<{ products: { edges: Array<{ node: { name: string; stock: unknown } }> } }>(url, SHELF);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(unavailable(shelf)).toEqual([
      { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'inventory', reason: 'connection' },
    ]);
    expect(shelf.body.errors?.[0]?.message).toMatch(/inventory/);
    // The catalog's part of the answer is all there; only the stock inventory owns is missing.
    const nodes = shelf.body.data?.products.edges.map(({ node }) => node) ?? [];
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.stock).toBeNull();
    }
  });

  it('once its circuit opens, requests fail fast without reaching it; after the cool-down a probe closes it', async () => {
    const proxy = await proxyToInventory();
    proxy.setMode('unavailable');
    const url = (
      await router({
        INVENTORY_URL: proxy.url,
        SUBGRAPH_RETRIES: '0',
        SUBGRAPH_BREAKER_FAILURES: '3',
        SUBGRAPH_BREAKER_COOLDOWN_MS: '300',
      })
    ).url;
    const metricsUrl = url.replace('/graphql', '/metrics');

    for (let i = 0; i < 3; i++) {
      expect(unavailable(await graphql(url, STOCK, { id: productId }))).toMatchObject([{ reason: 'http_5xx' }]);
    }
    expect(proxy.calls).toHaveLength(3);

    const refused = await graphql(url, STOCK, { id: productId });
    expect(unavailable(refused)).toMatchObject([{ serviceName: 'inventory', reason: 'circuit_open' }]);
    expect(proxy.calls).toHaveLength(3); // not sent
    expect(await (await fetch(metricsUrl)).text()).toMatch(/router_subgraph_circuit_state\{subgraph="inventory"\} 2/);

    proxy.setMode('pass');
    await new Promise((resolve) => setTimeout(resolve, 400)); // the cool-down
    const recovered = await graphql<{ product: { stock: { onHand: number } } }>(url, STOCK, { id: productId });
    expect(recovered.body.errors).toBeUndefined();
    expect(recovered.body.data?.product.stock.onHand).toEqual(expect.any(Number));
    expect(await (await fetch(metricsUrl)).text()).toMatch(/router_subgraph_circuit_state\{subgraph="inventory"\} 0/);
  });
});

describe('retries', () => {
  it('a query is retried after failed attempts and then answered', async () => {
    const proxy = await proxyToInventory();
    const url = (await router({ INVENTORY_URL: proxy.url, SUBGRAPH_RETRIES: '2' })).url;
    proxy.failNext('reset', 'unavailable');

    const response = await graphql<{ product: { stock: { onHand: number } } }>(url, STOCK, { id: productId });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.product.stock.onHand).toEqual(expect.any(Number));
    expect(proxy.calls).toEqual(['query', 'query', 'query']);
  });

  it('each attempt has its own timeout: a first attempt that hangs is abandoned and the retry answers', async () => {
    const proxy = await proxyToInventory({ slowMs: 10_000 });
    const url = (await router({ INVENTORY_URL: proxy.url, SUBGRAPH_TIMEOUT_MS: '800', SUBGRAPH_RETRIES: '1' })).url;
    proxy.failNext('slow');

    const response = await graphql<{ product: { stock: { onHand: number } } }>(url, STOCK, { id: productId });
    // With one timeout around all the attempts, the hanging one would use it up: SUBGRAPH_UNAVAILABLE.
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.product.stock.onHand).toEqual(expect.any(Number));
    expect(proxy.calls).toEqual(['query', 'query']);
  });

  it('a mutation is sent once, never retried: it may have been applied', async () => {
    const proxy = await proxyToInventory();
    const url = (await router({ INVENTORY_URL: proxy.url, SUBGRAPH_RETRIES: '2' })).url;
    proxy.failNext('reset');

    const response = await graphql(url, RESTOCK, { id: productId }, await bearer(env, 'STAFF'));
    expect(unavailable(response)).toMatchObject([{ serviceName: 'inventory', reason: 'connection' }]);
    expect(proxy.calls).toEqual(['mutation']);
  });
});

describe('timeouts and the bulkhead', () => {
  it('a subgraph slower than the timeout is reported unavailable instead of holding the request', async () => {
    const proxy = await proxyToInventory({ slowMs: 3000 });
    proxy.setMode('slow');
    const url = (await router({ INVENTORY_URL: proxy.url, SUBGRAPH_TIMEOUT_MS: '200', SUBGRAPH_RETRIES: '0' })).url;

    const response = await graphql(url, STOCK, { id: productId });
    expect(unavailable(response)).toMatchObject([{ serviceName: 'inventory', reason: 'timeout' }]);
  });

  it('past its concurrency and queue, further requests to a subgraph are refused at once', async () => {
    const proxy = await proxyToInventory({ slowMs: 300 });
    proxy.setMode('slow');
    const url = (await router({ INVENTORY_URL: proxy.url, SUBGRAPH_MAX_CONCURRENCY: '1', SUBGRAPH_MAX_QUEUE: '0' }))
      .url;

    const [first, second] = await Promise.all([
      graphql(url, STOCK, { id: productId }),
      graphql(url, STOCK, { id: PRODUCTS[1]!.id }),
    ]);
    const reasons = [first, second].map((response) => unavailable(response)[0]?.reason ?? 'served');
    expect(reasons.sort()).toEqual(['overloaded', 'served']);
    expect(proxy.calls).toHaveLength(1);
  });
});

describe('identical queries in flight', () => {
  const fiveAtOnce = (url: string, query: string, headers?: Record<string, string>) =>
    Promise.all(Array.from({ length: 5 }, () => graphql<StockAnswer>(url, query, { id: productId }, headers)));
  type StockAnswer = { product: { name: string; stock: { onHand: number } } };

  it('share one call to the subgraph between callers with the same rights, each getting the whole answer', async () => {
    const proxy = await proxyToInventory({ slowMs: 300 });
    proxy.setMode('slow');
    const url = (await router({ INVENTORY_URL: proxy.url })).url;

    const answers = await fiveAtOnce(url, STOCK);
    for (const answer of answers) {
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.product.stock.onHand).toEqual(expect.any(Number));
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body.data))).size).toBe(1);
    expect(proxy.calls).toEqual(['query']);
  });

  it('are sent apart for callers with other rights, and every time with merging off', async () => {
    const proxy = await proxyToInventory({ slowMs: 300 });
    proxy.setMode('slow');
    const merging = (await router({ INVENTORY_URL: proxy.url })).url;
    await Promise.all([
      graphql(merging, STOCK, { id: productId }),
      graphql(merging, STOCK, { id: productId }, await bearer(env, 'STAFF')),
      graphql(merging, STOCK, { id: productId }, await bearer(env, 'CUSTOMER')),
    ]);
    expect(proxy.calls).toEqual(['query', 'query', 'query']);

    proxy.calls.length = 0;
    const separate = (await router({ INVENTORY_URL: proxy.url, SUBGRAPH_MERGE_IN_FLIGHT: 'off' })).url;
    await fiveAtOnce(separate, STOCK);
    expect(proxy.calls).toHaveLength(5);
  });

  it('never merge a mutation: five identical restocks at once are five', async () => {
    const proxy = await proxyToInventory({ slowMs: 300 });
    proxy.setMode('slow');
    const url = (await router({ INVENTORY_URL: proxy.url })).url;
    const staff = await bearer(env, 'STAFF');

    const answers = await Promise.all(Array.from({ length: 5 }, () => graphql(url, RESTOCK, { id: productId }, staff)));
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    expect(proxy.calls).toEqual(['mutation', 'mutation', 'mutation', 'mutation', 'mutation']);
  });
});
