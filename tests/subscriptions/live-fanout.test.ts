import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../messaging/support.ts';
import {
  type LiveClient,
  liveClient,
  newStockedProduct,
  restock,
  routerFigure,
  untilResults,
  untilSubscribed,
} from '../support/live.ts';
import { type RunningRouter, startTestRouter } from '../support/router.ts';
import { signInStaff } from '../support/sign-in.ts';

// Fan-out: many clients on one router, and clients on several routers, all fed from one live
// stream. Routers here are the test's own, over the test system's subgraphs and Redis.
const env = inject('env');
let staff: { headers: Record<string, string> };
let productId: string;
let redis: Redis;
const clients: LiveClient[] = [];
const routers: RunningRouter[] = [];

const startRouter = async (overrides: Record<string, string> = {}) => {
  const router = await startTestRouter(env, { RATE_LIMIT_OPS_PAGES: '100000', ...overrides });
  routers.push(router);
  return router;
};
const STOCK = 'subscription($id: ID) { stockChanged(productId: $id) { cursor stock { available } product { name } } }';
const availableOf = (result: { data?: Record<string, unknown> | null }) =>
  (result.data!.stockChanged as { stock: { available: number } }).stock.available;

/** What Redis says of a named connection (CLIENT LIST): the last command it ran, and for how many seconds it has been idle. */
async function connectionNamed(name: string): Promise<{ cmd: string; idle: number } | undefined> {
  const list = (await redis.client('LIST')) as string;
  const line = list.split('\n').find((candidate) => candidate.includes(` name=${name} `));
  if (!line) return undefined;
  const field = (key: string) => line.match(new RegExp(` ${key}=(\\S*)`))?.[1] ?? '';
  return { cmd: field('cmd'), idle: Number(field('idle')) };
}

/** The connections Redis has open under a client name (CLIENT LIST). */
async function redisConnectionsNamed(name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

beforeAll(async () => {
  redis = new Redis(env.REDIS_URL!);
  const first = await startRouter();
  staff = await signInStaff(first.url);
  productId = await newStockedProduct(first.url, env, staff.headers);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

afterAll(async () => {
  await Promise.all(routers.map((router) => router.close()));
  await redis.quit();
});

describe('fan-out of live updates', { timeout: 120_000 }, () => {
  it('clients on two routers each receive each update once, in order', async () => {
    const [one, two] = [routers[0]!, await startRouter()];
    const onOne = liveClient(one.url, staff.headers);
    const onTwo = liveClient(two.url, staff.headers);
    clients.push(onOne, onTwo);
    const a = onOne.subscribe(STOCK, { id: productId });
    const b = onTwo.subscribe(STOCK, { id: productId });
    await Promise.all([untilSubscribed(one.url, 1), untilSubscribed(two.url, 1)]);
    const levels: number[] = [];
    for (const quantity of [1, 2, 3]) levels.push(await restock(one.url, staff.headers, productId, quantity));
    await Promise.all([untilResults(a, 3), untilResults(b, 3)]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would have come by now
    expect(a.results.map(availableOf)).toEqual(levels);
    expect(b.results.map(availableOf)).toEqual(levels);
  });

  it('a router nobody subscribes to reads no stream; the first subscriber starts the reading, the last one leaving stops it', async () => {
    const router = await startRouter();
    const reader = `router-live-reader:${router.instance}`;
    await restock(router.url, staff.headers, productId, 1);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // a blocking read would have come back by now
    expect((await connectionNamed(reader))?.cmd).not.toBe('xread');

    const first = liveClient(router.url, staff.headers);
    clients.push(first);
    const heard = first.subscribe(STOCK, { id: productId });
    await untilSubscribed(router.url, 1);
    expect((await connectionNamed(reader))?.cmd).toBe('xread');
    const available = await restock(router.url, staff.headers, productId, 2);
    await untilResults(heard, 1);
    expect(heard.results.map(availableOf)).toEqual([available]);

    await first.dispose();
    await waitFor('the reader to stop reading', async () => ((await connectionNamed(reader))?.idle ?? 0) >= 4, 20_000);

    // Subscribed again: it reads again, from where the streams end now.
    const second = liveClient(router.url, staff.headers);
    clients.push(second);
    const again = second.subscribe(STOCK, { id: productId });
    await untilSubscribed(router.url, 1);
    const later = await restock(router.url, staff.headers, productId, 3);
    await untilResults(again, 1);
    expect(again.results.map(availableOf)).toEqual([later]);
  });

  it('1,000 clients on one router: each gets the update once, one follow-up query serves them all, one Redis connection reads the stream, and leaving releases every subscription', async () => {
    const router = await startRouter({ LIVE_MAX_CONNECTIONS_PER_CLIENT: '2000', RATE_LIMIT_STAFF: '100000' });
    const many: LiveClient[] = [];
    for (let index = 0; index < 1000; index += 1) many.push(liveClient(router.url, staff.headers));
    clients.push(...many);
    const recorded = many.map((client) => client.subscribe(STOCK, { id: productId }));
    await untilSubscribed(router.url, 1000, 60_000);
    expect(await routerFigure(router.url, 'router_live_connections')).toBe(1000);

    const followUpsBefore = await routerFigure(router.url, 'router_live_follow_ups_total');
    const available = await restock(router.url, staff.headers, productId, 5);
    await waitFor('every client updated', async () => recorded.every((one) => one.results.length >= 1), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(recorded.every((one) => one.results.length === 1 && availableOf(one.results[0]!) === available)).toBe(true);
    expect((await routerFigure(router.url, 'router_live_follow_ups_total')) - followUpsBefore).toBe(1);
    // One blocking reader of the streams per router process, whatever the number of clients.
    expect(await redisConnectionsNamed(`router-live-reader:${router.instance}`)).toBe(1);

    await Promise.all(many.map((client) => client.dispose()));
    await waitFor('every subscription released', async () => {
      const [subscriptions, connections] = await Promise.all([
        routerFigure(router.url, 'router_live_subscriptions'),
        routerFigure(router.url, 'router_live_connections'),
      ]);
      return subscriptions === 0 && connections === 0;
    });
  });
});
