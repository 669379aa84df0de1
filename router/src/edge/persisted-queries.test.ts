import { createLogger, createRedis } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { errorCodes, type GraphQLResponse } from '../../../tests/support/graphql.ts';
import { bearer, deadUrl, startedPerTest } from '../../../tests/support/router.ts';
import { startRouter } from '../app.ts';
import { readConfig } from '../config.ts';
import { sha256 } from './persisted-queries-manifest.ts';

// Automatic persisted queries for first-party clients, through the running test router and a
// second replica started here: both share the cache in Redis.
const routerUrl = inject('routerUrl');
const env = inject('env');

async function post<Data = Record<string, unknown>>(
  url: string,
  body: Record<string, unknown>,
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}

let replica: Awaited<ReturnType<typeof startRouter>>;
beforeAll(async () => {
  replica = await startRouter(readConfig({ ...env, ROUTER_PORT: '0', LOG_LEVEL: 'silent' }));
});
afterAll(async () => {
  await replica?.close();
});

/** A query no earlier run has registered, so the round trip starts from a miss. */
function freshQuery() {
  const name = `Apq${crypto.randomUUID().replaceAll('-', '')}`;
  // Categories stay as seeded while other test files add products concurrently: equal answers compare.
  const query = `query ${name} { categories { slug name } }`;
  return { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } };
}

describe('automatic persisted queries (APQ)', () => {
  it('hash alone: not found; hash and query: data; hash alone again: data, on another replica too', async () => {
    const { query, extensions } = freshQuery();

    const miss = await post(routerUrl, { extensions });
    expect(errorCodes(miss)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const registered = await post<{ categories: Array<{ slug: string }> }>(routerUrl, { query, extensions });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data?.categories.length).toBeGreaterThan(0);

    const hit = await post(routerUrl, { extensions });
    expect(hit.body.errors).toBeUndefined();
    expect(hit.body.data).toEqual(registered.body.data);

    const onReplica = await post(replica.url, { extensions });
    expect(onReplica.body.errors).toBeUndefined();
    expect(onReplica.body.data).toEqual(registered.body.data);
  });

  it('the cache lives in Redis, with a time to live', async () => {
    const { query, extensions } = freshQuery();
    await post(replica.url, { query, extensions });
    const redis = createRedis(env.REDIS_URL!, 'apq-test', createLogger('apq-test', 'silent'));
    try {
      const keys = await redis.keys(`*${extensions.persistedQuery.sha256Hash}`);
      expect(keys).toHaveLength(1);
      expect(await redis.get(keys[0]!)).toBe(query);
      expect(await redis.ttl(keys[0]!)).toBeGreaterThan(0);
    } finally {
      await redis.quit();
    }
  });

  it('a hash that does not match the query is refused, and nothing is registered', async () => {
    const { extensions } = freshQuery();
    const hijack = await post(routerUrl, { query: '{ me { email } }', extensions });
    expect(hijack.status).toBe(400);
    expect(errorCodes(hijack)).toEqual(['BAD_REQUEST']);
    expect(errorCodes(await post(routerUrl, { extensions }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

describe('APQ bounds', () => {
  const { router } = startedPerTest(env);

  it(`a query over APQ_MAX_QUERY_BYTES is not stored: PERSISTED_QUERY_TOO_LARGE (400), and nothing is registered`, async () => {
    const { url } = await router({ APQ_MAX_QUERY_BYTES: '200' });
    const name = `Big${crypto.randomUUID().replaceAll('-', '')}`;
    const query = `query ${name} { categories { slug name } } # ${'x'.repeat(200)}`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const refused = await post(url, { query, extensions });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_TOO_LARGE', maximum: 200 });
    expect(errorCodes(await post(url, { extensions }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    // The same query sent as a plain query is served.
    expect((await post(url, { query })).body.errors).toBeUndefined();
    // A small one is stored as before.
    expect((await post(url, freshQuery())).body.errors).toBeUndefined();
  });

  it('past APQ_MAX_REGISTRATIONS per window, a client’s registrations are refused (RATE_LIMITED)', async () => {
    const { url } = await router({ APQ_MAX_REGISTRATIONS: '2' });
    // Counted per client: an address of its own is not available here, so a signed-in user.
    const headers = await bearer(env, 'CUSTOMER');
    const register = (body: Record<string, unknown>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await register(freshQuery())).status).toBe(200);
    expect((await register(freshQuery())).status).toBe(200);
    const third = freshQuery();
    const refused = await register(third);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await refused.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('RATE_LIMITED');
    expect(errorCodes(await post(url, { extensions: third.extensions }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    // Another client still may.
    const other = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await bearer(env, 'CUSTOMER')) },
      body: JSON.stringify(freshQuery()),
    });
    expect(other.status).toBe(200);
  });

  it('with Redis down, an APQ request is answered at once: a miss for the hash, the query served with it', async () => {
    const redisPort = new URL(await deadUrl()).port;
    const { url } = await router({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    const { query, extensions } = freshQuery();

    let started = performance.now();
    expect(errorCodes(await post(url, { extensions }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(performance.now() - started).toBeLessThan(700);

    started = performance.now();
    const served = await post(url, { query, extensions });
    expect(served.body.errors).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(700);
  });
});
