import type { ServerResponse } from 'node:http';
import { type Redis, sendJson } from '@commerce/service-kit';

const CHECK_TIMEOUT_MS = 1000;

export type ReadinessSources = {
  /** True once the supergraph is loaded and until the router starts shutting down. */
  supergraphLoaded: () => boolean;
  redis: Redis;
  /** Each subgraph's GraphQL URL; its readiness is asked at /readyz on the same host. */
  subgraphs: Record<string, string>;
};

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function subgraphReady(graphqlUrl: string): Promise<string> {
  try {
    const response = await fetch(new URL('/readyz', graphqlUrl), { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    return response.ok ? 'ok' : `not ready (HTTP ${response.status})`;
  } catch (error) {
    return `unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * GET /readyz: 200 when the router can serve, that is the supergraph is loaded, Redis answers and
 * every subgraph says it is ready; otherwise 503 naming what failed.
 */
export function readinessRoute(sources: ReadinessSources) {
  return async (_req: unknown, res: ServerResponse) => {
    const [redis, ...subgraphs] = await Promise.all([
      within(CHECK_TIMEOUT_MS, sources.redis.ping()).then(
        () => 'ok',
        (error: Error) => `unreachable (${error.message})`,
      ),
      ...Object.entries(sources.subgraphs).map(async ([name, url]) => [name, await subgraphReady(url)] as const),
    ]);
    const checks = {
      supergraph: sources.supergraphLoaded() ? 'ok' : 'not loaded',
      redis,
      subgraphs: Object.fromEntries(subgraphs),
    };
    const failing = [
      ...(checks.supergraph === 'ok' ? [] : ['supergraph']),
      ...(redis === 'ok' ? [] : ['redis']),
      ...subgraphs.filter(([, state]) => state !== 'ok').map(([name]) => name),
    ];
    if (failing.length === 0) return sendJson(res, 200, { status: 'ready', service: 'router', checks });
    sendJson(res, 503, { status: 'unavailable', service: 'router', failing, checks });
  };
}
