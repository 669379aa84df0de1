import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { issueAccessToken, parseKeyRing } from '@commerce/service-kit';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../messaging/support.ts';
import { errorCodes, graphql } from '../support/graphql.ts';
import {
  type LiveClient,
  liveClient,
  newStockedProduct,
  restock,
  routerFigure,
  untilRefused,
  untilResults,
  untilSubscribed,
  wsUrlOf,
} from '../support/live.ts';
import { type RunningRouter, startTestRouter } from '../support/router.ts';
import { signInAda, signInStaff } from '../support/sign-in.ts';

// The WebSocket endpoint as a hostile or careless client meets it: bad tokens, bad operations,
// the edge's limits, expiring sessions, too many sockets, a client that stops reading. Each router
// here is the test's own (same subgraphs and Redis as the test system) with the settings it needs.
const env = inject('env');
type Headers = Record<string, string>;
let staff: { headers: Headers };
let ada: { headers: Headers; userId: string };
let router: RunningRouter;
let productId: string;
const clients: LiveClient[] = [];
const routers: RunningRouter[] = [];

const open = (url: string, params: Record<string, unknown>) => {
  const client = liveClient(url, params);
  clients.push(client);
  return client;
};
const STOCK = 'subscription($id: ID) { stockChanged(productId: $id) { cursor productId stock { available } } }';

beforeAll(async () => {
  router = await startTestRouter(env, { RATE_LIMIT_OPS_PAGES: '100000' });
  [staff, ada] = [await signInStaff(router.url), await signInAda(router.url)];
  productId = await newStockedProduct(router.url, env, staff.headers);
});

// Each test starts with no subscription on the shared router of the file, so it can count its own.
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await Promise.all(routers.splice(0).map((started) => started.close()));
  await waitFor(
    'subscriptions released',
    async () => (await routerFigure(router.url, 'router_live_subscriptions')) === 0,
  );
});

afterAll(async () => {
  await router?.close();
});

describe('the WebSocket endpoint', { timeout: 60_000 }, () => {
  it('a forged or expired token in connection_init closes the socket with 4403', async () => {
    const forged = open(router.url, { authorization: 'Bearer not.a.token' });
    const [key] = parseKeyRing(env.JWT_SIGNING_KEY!);
    const expiredToken = await issueAccessToken({ userId: ada.userId, role: 'CUSTOMER' }, key!, -10);
    const expired = open(router.url, { authorization: `Bearer ${expiredToken}` });
    await waitFor('both sockets closed', async () => forged.closed.length > 0 && expired.closed.length > 0);
    expect(forged.closed[0]!.code).toBe(4403);
    expect(expired.closed[0]!.code).toBe(4403);
  });

  it('a bad operation gets a clear error and the socket stays usable for the next one', async () => {
    const client = open(router.url, staff.headers);
    const unknown = client.subscribe('subscription { stockChanged { nope } }');
    expect(await untilRefused(unknown)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(unknown.refused![0]!.message).toMatch(/Cannot query field "nope" on type "StockUpdate"/);
    const broken = client.subscribe('subscription { stockChanged {');
    expect(await untilRefused(broken)).toEqual(['GRAPHQL_PARSE_FAILED']);

    const good = client.subscribe(STOCK, { id: productId });
    await untilSubscribed(router.url, 1);
    const available = await restock(router.url, staff.headers, productId, 3);
    const [update] = await untilResults(good, 1);
    expect(update!.data).toEqual({
      stockChanged: { cursor: expect.any(String), productId, stock: { available } },
    });
    expect(client.closed).toEqual([]);
  });

  it("the edge's limits and the supergraph's guards apply: too deep, too aliased, anonymous, a customer on staff's field, a partner's own query", async () => {
    const limited = await startTestRouter(env, { MAX_QUERY_DEPTH: '3', MAX_QUERY_ALIASES: '1' });
    routers.push(limited);
    const asStaff = open(limited.url, staff.headers);
    const deep = asStaff.subscribe('subscription { stockChanged { product { stock { available } } } }');
    expect(await untilRefused(deep)).toEqual(['QUERY_TOO_COMPLEX']);
    const aliased = asStaff.subscribe('subscription { stockChanged { a: cursor b: cursor } }');
    expect(await untilRefused(aliased)).toEqual(['QUERY_TOO_COMPLEX']);

    const anonymous = open(router.url, {}).subscribe('subscription { myOrderUpdates { cursor } }');
    expect(await untilRefused(anonymous)).toEqual(['UNAUTHENTICATED']);
    const customer = open(router.url, ada.headers).subscribe(STOCK);
    expect(await untilRefused(customer)).toEqual(['FORBIDDEN']);
    expect(customer.refused![0]!.message).toMatch(/Subscription\.stockChanged/);

    const issued = await graphql<{ createPartnerClient: { apiKey: string } }>(
      router.url,
      'mutation($name: String!) { createPartnerClient(name: $name) { apiKey } }',
      { name: `Live partner ${crypto.randomUUID()}` },
      staff.headers,
    );
    const partner = open(router.url, { 'x-api-key': issued.body.data!.createPartnerClient.apiKey });
    const adHoc = partner.subscribe('subscription { myOrderUpdates { cursor } }');
    expect(await untilRefused(adHoc)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });

  it('over HTTP a subscription is refused with a pointer to the socket', async () => {
    const response = await graphql(router.url, 'subscription { myOrderUpdates { cursor } }', {}, ada.headers);
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_REQUEST']);
    expect(response.body.errors![0]!.message).toMatch(/WebSocket.*graphql-transport-ws/);
  });

  it('when the token expires, each subscription ends with UNAUTHENTICATED and new ones are refused', async () => {
    const [key] = parseKeyRing(env.JWT_SIGNING_KEY!);
    const staffId = JSON.parse(Buffer.from(staff.headers.authorization!.split('.')[1]!, 'base64url').toString()).sub;
    const shortLived = await issueAccessToken({ userId: staffId, role: 'STAFF' }, key!, 3);
    const client = open(router.url, { authorization: `Bearer ${shortLived}` });
    const stock = client.subscribe(STOCK, { id: productId });
    await untilSubscribed(router.url, 1);
    const [last] = await untilResults(stock, 1, 'the end of the session', 10_000);
    expect(last).toEqual({
      data: null,
      errors: [{ message: 'Your session has expired; sign in again.', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    await waitFor('the subscription completed', async () => stock.completed);
    const after = client.subscribe(STOCK, { id: productId });
    expect(await untilRefused(after)).toEqual(['UNAUTHENTICATED']);
  });

  it('a client may hold only so many sockets: the next is closed with 4009 and a reason', async () => {
    const few = await startTestRouter(env, { LIVE_MAX_CONNECTIONS_PER_CLIENT: '2' });
    routers.push(few);
    const sockets = [open(few.url, ada.headers), open(few.url, ada.headers)];
    for (const socket of sockets) socket.subscribe('subscription { myOrderUpdates { cursor } }');
    await untilSubscribed(few.url, 2);
    const third = open(few.url, ada.headers);
    await waitFor('the third socket closed', async () => third.closed.length > 0);
    expect(third.closed[0]).toEqual({ code: 4009, reason: 'Too many connections: 2 per client are allowed.' });
    expect(sockets.every((socket) => socket.closed.length === 0)).toBe(true);
  });

  it('a socket may hold only so many subscriptions: the next is refused until one completes', async () => {
    const few = await startTestRouter(env, {
      LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
      RATE_LIMIT_OPS_PAGES: '100000',
    });
    routers.push(few);
    const client = open(few.url, ada.headers);
    const [first] = [
      client.subscribe('subscription { myOrderUpdates { cursor } }'),
      client.subscribe('subscription { notificationAdded { cursor } }'),
    ];
    await untilSubscribed(few.url, 2);
    const third = client.subscribe('subscription { myOrderUpdates { cursor } }');
    expect(await untilRefused(third)).toEqual(['BAD_REQUEST']);
    expect(third.refused![0]!.message).toBe(
      'Too many subscriptions on this socket: 2 are allowed; complete one first.',
    );
    first!.stop();
    await waitFor('one released', async () => (await routerFigure(few.url, 'router_live_subscriptions')) === 1);
    client.subscribe('subscription { myOrderUpdates { cursor } }');
    await untilSubscribed(few.url, 2);
    expect(client.closed).toEqual([]);
  });

  it('a client that stops reading is closed with 4008 and a reason once its updates pile up; a reading client on the same router gets every update', async () => {
    const small = await startTestRouter(env, {
      LIVE_MAX_BUFFERED_UPDATES: '3',
      MAX_QUERY_ALIASES: '200',
      MAX_QUERY_FIELDS: '1000',
      MAX_QUERY_FIELD_REPEATS: '1000',
      RATE_LIMIT_OPS_PAGES: '100000',
      RATE_LIMIT_STAFF: '100000',
    });
    routers.push(small);
    // Large updates (a 5,000-character description 200 times over: 1 MB) fill the socket's buffers,
    // the kernel's included, in a few events.
    const heavyProduct = await newStockedProduct(small.url, env, staff.headers, 'x'.repeat(5000));
    const heavy = Array.from({ length: 200 }, (_, index) => `d${index}: description`).join(' ');
    const query = `subscription($id: ID) { stockChanged(productId: $id) { cursor product { ${heavy} } } }`;
    const slow = await rawSocket(small.url);
    slow.send({ type: 'connection_init', payload: { authorization: staff.headers.authorization } });
    await slow.received('connection_ack');
    slow.send({ id: '1', type: 'subscribe', payload: { query, variables: { id: heavyProduct } } });
    const reader = open(small.url, staff.headers).subscribe(query, { id: heavyProduct });
    await untilSubscribed(small.url, 2);
    slow.stopReading();

    let restocks = 0;
    await waitFor(
      'the slow subscription dropped',
      async () => {
        await restock(small.url, staff.headers, heavyProduct, 1);
        restocks += 1;
        return (await routerFigure(small.url, 'router_live_subscriptions')) === 1;
      },
      45_000,
    );
    slow.resumeReading();
    const close = await slow.closeFrame();
    expect(close.code).toBe(4008);
    expect(close.reason).toMatch(/^Closed: the client read too slowly \(\d+ updates were waiting\)\.$/);
    await untilResults(reader, restocks, `all ${restocks} updates for the reading client`);
    expect(reader.results.every((result) => result.errors === undefined && result.data !== null)).toBe(true);
    slow.destroy();
  });

  it('the router pings every socket (keep-alive)', async () => {
    const pinging = await startTestRouter(env, { LIVE_KEEPALIVE_MS: '200' });
    routers.push(pinging);
    const socket = new WebSocket(wsUrlOf(pinging.url), 'graphql-transport-ws');
    const pinged = new Promise<void>((resolve) => socket.once('ping', () => resolve()));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await pinged;
    socket.terminate();
  });
});

describe('live metrics', () => {
  it('subscriptions are counted while served and released when the client goes', async () => {
    const client = open(router.url, staff.headers);
    client.subscribe(STOCK, { id: productId });
    client.subscribe(STOCK);
    await untilSubscribed(router.url, 2);
    await client.dispose();
    await waitFor('released', async () => (await routerFigure(router.url, 'router_live_subscriptions')) === 0);
  });
});

/**
 * A WebSocket client written by hand on a TCP socket, so that it can truly stop reading (the `ws`
 * library resumes a paused socket itself): frames out are masked text frames, frames in are read
 * only when asked.
 */
async function rawSocket(httpUrl: string) {
  const { hostname, port, pathname } = new URL(httpUrl);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
  );
  let buffer = Buffer.alloc(0);
  let upgraded = false;
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!upgraded) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      expect(buffer.subarray(0, 12).toString()).toBe('HTTP/1.1 101');
      buffer = buffer.subarray(end + 4);
      upgraded = true;
    }
    while (buffer.length >= 2) {
      const opcode = buffer[0]! & 0x0f;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) return;
      frames.push({ opcode, payload: buffer.subarray(offset, offset + length) });
      buffer = buffer.subarray(offset + length);
    }
  });
  const frameOf = (text: string) => {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const header =
      payload.length < 126
        ? Buffer.from([0x81, 0x80 | payload.length])
        : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
    return Buffer.concat([header, mask, payload.map((byte, index) => byte ^ mask[index % 4]!)]);
  };
  return {
    send: (message: unknown) => socket.write(frameOf(JSON.stringify(message))),
    received: (type: string) =>
      waitFor(`a ${type} message`, async () =>
        frames.some((frame) => frame.opcode === 1 && JSON.parse(frame.payload.toString()).type === type),
      ),
    stopReading: () => socket.pause(),
    resumeReading: () => socket.resume(),
    async closeFrame() {
      const frame = await waitFor(
        'the close frame',
        async () => frames.find((candidate) => candidate.opcode === 8),
        30_000,
      );
      return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString() };
    },
    destroy: () => socket.destroy(),
  };
}
