import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, createLogger, createRedis, type Identity, PARTNER_KEY_HEADER } from '@commerce/service-kit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { bearer, deadUrl, startedPerTest } from '../../../tests/support/router.ts';
import { clientOf } from './rate-limit.ts';

// Routers started here with tiny limits and counters of their own, over the real Redis; the
// shared test router keeps its generous limits.
const env = inject('env');
const { router, proxy } = startedPerTest(env);

const NAMES = '{ products(first: 1) { edges { node { name } } } }';

describe('rate limits per client', () => {
  it('a burst past the limit gets 429, Retry-After and RATE_LIMITED, and reaches no subgraph', async () => {
    const catalog = await proxy(env.CATALOG_URL!);
    const { url } = await router({ CATALOG_URL: catalog.url, RATE_LIMIT_ANONYMOUS: '3' });

    for (let i = 0; i < 3; i++) expect((await graphql(url, NAMES)).status).toBe(200);
    const refused = await graphql(url, NAMES);

    expect(refused.status).toBe(429);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.data ?? null).toBeNull();
    expect(catalog.calls).toHaveLength(3);
  });

  it('router replicas on the same Redis share one count', async () => {
    const shared = { RATE_LIMIT_ANONYMOUS: '3', RATE_LIMIT_KEY_PREFIX: `test-rate-limit:${crypto.randomUUID()}` };
    const [one, two] = await Promise.all([router(shared), router(shared)]);

    const statuses = [];
    for (const url of [one.url, two.url, one.url, two.url]) statuses.push((await graphql(url, NAMES)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('signed-in users are counted each on their own, with their role’s limit', async () => {
    const { url } = await router({ RATE_LIMIT_ANONYMOUS: '1', RATE_LIMIT_CUSTOMER: '2', RATE_LIMIT_STAFF: '4' });
    const statuses = async (headers: Record<string, string>, times: number) => {
      const seen = [];
      for (let i = 0; i < times; i++) seen.push((await graphql(url, NAMES, {}, headers)).status);
      return seen;
    };

    expect(await statuses({}, 2)).toEqual([200, 429]);
    expect(await statuses(await bearer(env, 'CUSTOMER'), 3)).toEqual([200, 200, 429]);
    expect(await statuses(await bearer(env, 'CUSTOMER'), 1)).toEqual([200]);
    expect(await statuses(await bearer(env, 'STAFF'), 5)).toEqual([200, 200, 200, 200, 429]);
  });

  it('with Redis unreachable the router still serves (fails open), counts it and is not ready', async () => {
    const redisPort = new URL(await deadUrl()).port;
    const { url } = await router({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, RATE_LIMIT_ANONYMOUS: '1' });

    for (let i = 0; i < 3; i++) {
      const response = await graphql(url, NAMES);
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
    }
    const metrics = await (await fetch(url.replace('/graphql', '/metrics'))).text();
    // The three requests, and this scrape of /metrics (limited per address too).
    expect(metrics).toMatch(/^router_rate_limit_unchecked_total 4$/m);
    const ready = await fetch(url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ failing: ['redis'] });
  });
});

describe('failed sign-ins', () => {
  const redis = createRedis(env.REDIS_URL!, 'rate-limit-test', createLogger('test', 'silent'));
  afterAll(() => redis.quit());

  it('past AUTH_FAILURE_LIMIT bad API keys from one address, the next are refused (429) without asking accounts', async () => {
    const accounts = await proxy(env.ACCOUNTS_URL!);
    const { url } = await router({ ACCOUNTS_URL: accounts.url, AUTH_FAILURE_LIMIT: '3' });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const key = { [PARTNER_KEY_HEADER]: `pk_${crypto.randomUUID()}` };
      statuses.push((await graphql(url, NAMES, {}, key)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect(accounts.calls).toHaveLength(3);
    const refused = await graphql(url, NAMES, {}, { [PARTNER_KEY_HEADER]: 'pk_another' });
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Anonymous requests from the address, presenting nothing, are still served.
    expect((await graphql(url, NAMES)).status).toBe(200);
  });

  it('forged bearer tokens count the same way; a good token from that address is refused too until the window ends', async () => {
    const { url } = await router({ AUTH_FAILURE_LIMIT: '2' });
    const forged = { authorization: `Bearer ${'x'.repeat(20)}.${'y'.repeat(20)}.${'z'.repeat(20)}` };
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await graphql(url, NAMES, {}, forged)).status);
    expect(statuses).toEqual([401, 401, 429, 429]);
    expect((await graphql(url, NAMES, {}, await bearer(env, 'CUSTOMER'))).status).toBe(429);
  });

  it('counters expire with their window: the key has a TTL within the window, and a new window starts afresh', async () => {
    const prefix = `test-rate-limit:${crypto.randomUUID()}`;
    const { url } = await router({
      RATE_LIMIT_ANONYMOUS: '2',
      RATE_LIMIT_WINDOW_SECONDS: '1',
      RATE_LIMIT_KEY_PREFIX: prefix,
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await graphql(url, NAMES)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const ttl = await redis.pttl(`${prefix}:ip:127.0.0.1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
    await new Promise((resolve) => setTimeout(resolve, ttl + 100));
    expect((await graphql(url, NAMES)).status).toBe(200);
  });
});

describe('operations pages', () => {
  it('/metrics, /readyz and the playground page are limited per address (RATE_LIMIT_OPS_PAGES)', async () => {
    const { url } = await router({ RATE_LIMIT_OPS_PAGES: '3' });
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(url.replace('/graphql', path), { headers });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/metrics')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await get('/metrics');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(
      ((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
    ).toBe('RATE_LIMITED');
    expect((await get('/readyz')).status).toBe(429);
    expect((await get('/graphql', { accept: 'text/html' })).status).toBe(429);
    // GraphQL itself and /healthz have their own limits.
    expect((await graphql(url, NAMES)).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
  });
});

describe('who is counted', () => {
  const from = (remoteAddress: string) => ({ socket: { remoteAddress } }) as IncomingMessage;

  it('a user by id under their role, a partner by its id, anyone else by address', () => {
    const user: Identity = { kind: 'user', userId: 'u-1', role: 'STAFF' };
    expect(clientOf(user, from('10.0.0.1'))).toEqual({ key: 'user:u-1', kind: 'STAFF' });
    const partner: Identity = { kind: 'partner', partnerId: 'p-1' };
    expect(clientOf(partner, from('10.0.0.1'))).toEqual({ key: 'partner:p-1', kind: 'partner' });
    expect(clientOf(ANONYMOUS, from('10.0.0.2'))).toEqual({ key: 'ip:10.0.0.2', kind: 'anonymous' });
  });

  it('callers whose address is gone (a closed socket) share one counter rather than none', () => {
    const closed = { socket: {} } as IncomingMessage;
    expect(clientOf(ANONYMOUS, closed)).toEqual({ key: 'ip:unknown', kind: 'anonymous' });
  });
});
