import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/system.ts';
import { UNITS } from '../../../scripts/lib/units.ts';
import { graphql } from '../../../tests/support/graphql.ts';
import { deadUrl, type RunningRouter, startTestRouter } from '../../../tests/support/router.ts';

// Readiness, metrics and request ids: the shared test system, and a router started here whose
// inventory URL points at a port where nothing listens.
const routerUrl = inject('routerUrl');
const env = inject('env');
const at = (graphqlUrl: string, path: string) => graphqlUrl.replace('/graphql', path);
let withoutInventory: RunningRouter;
beforeAll(async () => {
  withoutInventory = await startTestRouter(env, { INVENTORY_URL: await deadUrl(), RATE_LIMIT_ANONYMOUS: '4' });
});
afterAll(async () => {
  await withoutInventory?.close();
});

describe('/readyz', () => {
  it('is ready when the supergraph is loaded, Redis answers and every subgraph is ready', async () => {
    const response = await fetch(at(routerUrl, '/readyz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      service: 'router',
      checks: {
        supergraph: 'ok',
        redis: 'ok',
        subgraphs: Object.fromEntries(UNITS.map((name) => [name, 'ok'])),
      },
    });
  });

  it('answers 503 naming a subgraph that does not answer', async () => {
    const response = await fetch(at(withoutInventory.url, '/readyz'));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { failing: string[]; checks: { subgraphs: Record<string, string> } };
    expect(body.failing).toEqual(['inventory']);
    expect(body.checks.subgraphs.inventory).toMatch(/unreachable/);
    expect(body.checks.subgraphs.catalog).toBe('ok');
  });
});

describe('/metrics', () => {
  it('shows requests, errors, latency and circuit state per subgraph, per operation and rate-limit refusals', async () => {
    const url = withoutInventory.url;
    const shelf = 'query Shelf { products(first: 2) { edges { node { name stock { onHand } } } } }';
    for (let i = 0; i < 4; i++) await graphql(url, shelf);
    expect((await graphql(url, shelf)).status).toBe(429); // the fifth: over this router's limit of 4

    const response = await fetch(at(url, '/metrics'));
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const figure = (name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

    expect(figure('router_operations_total', 'operation="Shelf",type="query"')).toBe(4);
    expect(figure('router_operation_errors_total', 'operation="Shelf",code="SUBGRAPH_UNAVAILABLE"')).toBe(4);
    expect(figure('router_operation_duration_seconds_count', 'operation="Shelf"')).toBe(4);
    expect(figure('router_subgraph_requests_total', 'subgraph="catalog",outcome="ok"')).toBe(4);
    expect(figure('router_subgraph_requests_total', 'subgraph="inventory",outcome="unavailable"')).toBe(4);
    expect(figure('router_subgraph_errors_total', 'subgraph="inventory",reason="connection"')).toBe(4);
    expect(figure('router_subgraph_request_duration_seconds_count', 'subgraph="catalog"')).toBe(4);
    expect(figure('router_subgraph_circuit_state', 'subgraph="catalog"')).toBe(0);
    expect(figure('router_subgraph_circuit_state', 'subgraph="inventory"')).toBe(0); // 4 failures: under 5
    expect(figure('router_rate_limit_rejections_total', 'client="anonymous"')).toBe(1);
  });
});

describe('request ids', () => {
  const logLines = (unit: string) =>
    readFileSync(join(ROOT, '.run/test-logs', `${unit}.log`), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  async function linesWith(unit: string, requestId: string) {
    for (let tries = 0; tries < 20; tries++) {
      const found = logLines(unit).filter((line) => line.requestId === requestId && line.msg === 'request');
      if (found.length > 0) return found;
      await new Promise((resolve) => setTimeout(resolve, 100)); // the log file is written by another process
    }
    return [];
  }

  it("a client's request id comes back and is logged by the router and every subgraph it reached", async () => {
    const requestId = `test-${crypto.randomUUID()}`;
    const response = await graphql(
      routerUrl,
      // `onHand`, which only inventory answers, so both subgraphs are reached.
      'query ShelfProbe { products(first: 1) { edges { node { name stock { onHand } } } } }',
      {},
      { 'x-request-id': requestId },
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.headers.get('x-request-id')).toBe(requestId);

    expect(await linesWith('router', requestId)).toMatchObject([
      { operationName: 'ShelfProbe', status: 200, durationMs: expect.any(Number) },
    ]);
    for (const unit of ['catalog', 'inventory']) {
      expect(await linesWith(unit, requestId)).toMatchObject([
        { operationName: expect.stringMatching(/^ShelfProbe__/), status: 200, durationMs: expect.any(Number) },
      ]);
    }
  });

  it('an unusable request id is replaced by a new one', async () => {
    const response = await graphql(routerUrl, '{ categories { name } }', {}, { 'x-request-id': 'no good!' });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
