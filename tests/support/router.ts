import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { issueAccessToken, parseKeyRing, type Role } from '@commerce/service-kit';
import { afterEach } from 'vitest';
import { startRouter } from '../../router/src/app.ts';
import { readConfig } from '../../router/src/config.ts';

export type RunningRouter = Awaited<ReturnType<typeof startRouter>>;

/**
 * A router in this process with settings of its own (tiny limits, a subgraph URL pointing at a
 * test server), beside the shared test system. Its rate-limit counters are its own unless a
 * `RATE_LIMIT_KEY_PREFIX` is given (replicas sharing counters pass the same one).
 */
export function startTestRouter(env: Record<string, string>, overrides: Record<string, string> = {}) {
  return startRouter(
    readConfig({
      ...env,
      ROUTER_PORT: '0',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_KEY_PREFIX: `test-rate-limit:${crypto.randomUUID()}`,
      ...overrides,
    }),
  );
}

/**
 * Routers and subgraph proxies for one test file, each closed after the test that started it.
 * Call at the top of the file.
 */
export function startedPerTest(env: Record<string, string>) {
  const opened: Array<{ close: () => Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((item) => item.close()));
  });
  return {
    async router(overrides: Record<string, string>): Promise<RunningRouter> {
      const started = await startTestRouter(env, overrides);
      opened.push(started);
      return started;
    },
    async proxy(target: string, options: { slowMs?: number } = {}): Promise<SubgraphProxy> {
      const proxy = await startSubgraphProxy(target, options);
      opened.push(proxy);
      return proxy;
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port the OS just handed out and took back). */
export async function deadUrl(path = '/graphql'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

export type ProxyMode = 'pass' | 'unavailable' | 'slow' | 'reset';

/**
 * A real HTTP server standing in front of a real subgraph, that misbehaves on demand: passes
 * requests on, answers 503, answers late, or drops the connection. It records every request it
 * receives (query or mutation, and its headers), so a test can count what the router sent.
 */
export async function startSubgraphProxy(target: string, options: { slowMs?: number } = {}) {
  const calls: Array<'query' | 'mutation'> = [];
  const headersSeen: IncomingHttpHeaders[] = [];
  const state = { mode: 'pass' as ProxyMode, next: [] as ProxyMode[] };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const query = (JSON.parse(body || '{}') as { query?: string }).query ?? '';
    calls.push(/^\s*mutation\b/.test(query) ? 'mutation' : 'query');
    headersSeen.push(req.headers);
    const mode = state.next.shift() ?? state.mode;
    if (mode === 'reset') return req.socket.destroy();
    if (mode === 'unavailable') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down for the test');
      return;
    }
    if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 3000));
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        (entry): entry is [string, string] =>
          typeof entry[1] === 'string' && !['host', 'content-length', 'connection'].includes(entry[0]),
      ),
    );
    try {
      const answer = await fetch(target, { method: 'POST', headers, body });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(await answer.text());
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    calls,
    /** The headers of every request received, in order (what a listener on the wire would see). */
    headersSeen,
    setMode: (mode: ProxyMode) => {
      state.mode = mode;
    },
    /** The next requests misbehave as given, one mode each, then the proxy goes back to its mode. */
    failNext: (...modes: ProxyMode[]) => {
      state.next.push(...modes);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type SubgraphProxy = Awaited<ReturnType<typeof startSubgraphProxy>>;

/** An `Authorization` header for a user of the given role, signed with the test system's key. */
export async function bearer(env: Record<string, string>, role: Role, userId: string = crypto.randomUUID()) {
  const [key] = parseKeyRing(env.JWT_SIGNING_KEY!);
  return { authorization: `Bearer ${await issueAccessToken({ userId, role }, key!, 300)}` };
}
