import { createLogger, createRedis } from '@commerce/service-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { errorCodes, type GraphQLResponse } from '../../tests/support/graphql.ts';
import { startRouter } from './app.ts';
import { readConfig } from './config.ts';
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
