import type { IncomingHttpHeaders } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { IDENTITY_HEADER, type Logger } from '@commerce/service-kit';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  IsolatedCircuitError,
  retry,
  wrap,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
import { Agent } from 'undici';
import type { RouterMetrics } from '../ops/metrics.ts';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

export type ResilienceSettings = {
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  maxConcurrency: number;
  maxQueue: number;
  /** Identical queries in flight for the same rights share one call (SUBGRAPH_MERGE_IN_FLIGHT). */
  mergeInFlight: boolean;
};

/** Answers that mean "the subgraph is not serving now" rather than "your request is wrong". */
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

/** An attempt that outlived SUBGRAPH_TIMEOUT_MS, answer included. */
class AttemptTimedOut extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

class UnavailableStatus extends Error {
  constructor(readonly status: number) {
    super(`answered HTTP ${status}`);
  }
}

export type FailureReason = 'circuit_open' | 'overloaded' | 'timeout' | 'http_5xx' | 'connection';

function reasonOf(error: unknown): FailureReason {
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) return 'circuit_open';
  if (error instanceof BulkheadRejectedError) return 'overloaded';
  if (error instanceof AttemptTimedOut) return 'timeout';
  if (error instanceof UnavailableStatus) return 'http_5xx';
  return 'connection';
}

const EXPLANATION: Record<FailureReason, string> = {
  circuit_open: 'it failed repeatedly and is given time to recover',
  overloaded: 'too many requests to it are already waiting',
  timeout: 'it did not answer in time',
  http_5xx: 'it answered that it cannot serve now',
  connection: 'it could not be reached',
};

/**
 * The operation the gateway sends: the planner writes `mutation …` for mutations, `query …`/`{`
 * otherwise. A body without the word anywhere (most: entity fetches carry large representations)
 * is no mutation, without parsing it.
 */
function isMutation(body: unknown): boolean {
  if (typeof body !== 'string' || !body.includes('mutation')) return false;
  try {
    const { query } = JSON.parse(body) as { query?: unknown };
    return typeof query === 'string' && /^\s*mutation\b/.test(query);
  } catch {
    return false;
  }
}

const targets = new Map<string, { origin: string; path: string }>();
/** A subgraph URL split as undici's request() takes it, once per URL. */
function targetOf(url: string) {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    targets.set(url, target);
  }
  return target;
}

/**
 * What RemoteGraphQLDataSource reads of a fetch Response (ok, status, the content type, json(),
 * text(); url and statusText for its errors), over an answer already read whole.
 */
function subgraphResponse(url: string, status: number, headers: IncomingHttpHeaders, text: string) {
  const header = (name: string) => {
    const value = headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    url,
    status,
    statusText: '',
    ok: status >= 200 && status < 300,
    headers: { get: header, has: (name: string) => header(name) !== null },
    json: async () => JSON.parse(text) as unknown,
    text: async () => text,
  } as unknown as Awaited<ReturnType<Fetcher>>;
}

const CIRCUIT_GAUGE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/**
 * The path of every request to one subgraph, outermost first:
 * bulkhead (at most N in flight, a small queue, then refuse) → circuit breaker (after N consecutive
 * failed calls, fail fast for a cool-down, then let one probe through) → retries with exponential
 * backoff and jitter, for queries only: a mutation that timed out may have been applied, so it is
 * sent once → timeout per attempt, covering the whole answer. Connections are kept alive.
 *
 * A failure becomes SUBGRAPH_UNAVAILABLE naming the subgraph; the gateway adds it to the response
 * beside whatever the other subgraphs returned.
 */
export function createSubgraphGuard(
  subgraph: string,
  settings: ResilienceSettings,
  agent: Agent,
  metrics: RouterMetrics,
  logger: Logger,
) {
  const bulkheadPolicy = bulkhead(settings.maxConcurrency, settings.maxQueue);
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: settings.breakerCooldownMs,
    breaker: new ConsecutiveBreaker(settings.breakerFailures),
  });
  const retryPolicy = retry(handleAll, {
    maxAttempts: settings.retries,
    backoff: new ExponentialBackoff({ initialDelay: settings.retryDelayMs, maxDelay: settings.retryDelayMs * 8 }),
  });
  const queries = wrap(bulkheadPolicy, breaker, retryPolicy);
  const mutations = wrap(bulkheadPolicy, breaker);

  metrics.circuitState.set({ subgraph }, 0);
  breaker.onStateChange((state) => {
    metrics.circuitState.set({ subgraph }, CIRCUIT_GAUGE[state]);
    logger.warn({ subgraph, state: CircuitState[state] }, 'subgraph circuit changed');
  });
  retryPolicy.onRetry(() => metrics.subgraphRetries.inc({ subgraph }));

  /**
   * One try, answer included, within the timeout. The timer aborts the request when it fires and
   * is cleared otherwise (no AbortSignal is aborted on the way out: its DOMException costs more
   * than the call on queries that fan out).
   */
  const attempt = async (url: string, init: Parameters<Fetcher>[1]) => {
    const target = targetOf(url);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimedOut(settings.timeoutMs)), settings.timeoutMs);
    try {
      // undici's request(), not its fetch(): no WHATWG streams, a fraction of the CPU per call.
      const response = await agent.request({
        origin: target.origin,
        path: target.path,
        method: (init?.method ?? 'POST') as 'POST',
        headers: init?.headers as Record<string, string> | undefined,
        body: init?.body as string | undefined,
        signal: controller.signal,
      });
      const text = await response.body.text();
      if (UNAVAILABLE_STATUS.has(response.statusCode)) throw new UnavailableStatus(response.statusCode);
      return subgraphResponse(url, response.statusCode, response.headers, text);
    } catch (error) {
      throw controller.signal.reason instanceof AttemptTimedOut ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
  };

  // Each call counts itself: the labelled series looked up once, not per call.
  const succeeded = metrics.subgraphRequests.labels({ subgraph, outcome: 'ok' });
  const failed = metrics.subgraphRequests.labels({ subgraph, outcome: 'unavailable' });
  const duration = metrics.subgraphDuration.labels({ subgraph });
  const guarded = async (url: string, init: Parameters<Fetcher>[1], mutation: boolean) => {
    const started = performance.now();
    const policy = mutation ? mutations : queries;
    try {
      const response = await policy.execute(() => attempt(url, init));
      succeeded.inc();
      return response;
    } catch (error) {
      const reason = reasonOf(error);
      failed.inc();
      metrics.subgraphErrors.inc({ subgraph, reason });
      // While the circuit is open every request fails the same way: the state change was logged.
      if (reason === 'circuit_open') logger.debug({ subgraph, reason }, 'subgraph unavailable');
      else logger.warn({ subgraph, reason, err: error }, 'subgraph unavailable');
      throw new GraphQLError(`The ${subgraph} service is unavailable: ${EXPLANATION[reason]}.`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: subgraph, reason },
      });
    } finally {
      duration.observe((performance.now() - started) / 1000);
    }
  };

  /**
   * Merging: a query identical (URL, body) to one in flight, with the same signed identity header
   * (so the same rights: the router signs one header per caller and subgraph for a few seconds),
   * gets that call's answer. Each caller parses the answer for itself. Mutations always go out.
   */
  const inFlight = new Map<string, ReturnType<Fetcher>>();
  const merged = ((url, init) => {
    const body = init?.body;
    const mutation = isMutation(body);
    if (typeof body !== 'string' || mutation) return guarded(url, init, mutation);
    const identity = (init?.headers as Record<string, string> | undefined)?.[IDENTITY_HEADER] ?? '';
    const key = `${url}\u0000${identity}\u0000${body}`;
    const running = inFlight.get(key);
    if (running) {
      metrics.subgraphMerged.inc({ subgraph });
      return running;
    }
    const call = guarded(url, init, false).finally(() => inFlight.delete(key));
    inFlight.set(key, call);
    return call;
  }) as Fetcher;

  const separate = ((url, init) => guarded(url, init, isMutation(init?.body))) as Fetcher;

  return { fetcher: settings.mergeInFlight ? merged : separate, circuit: () => CircuitState[breaker.state] };
}

/** One keep-alive connection pool for every subgraph, and a guard per subgraph. */
export function createResilience(settings: ResilienceSettings, metrics: RouterMetrics, logger: Logger) {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: settings.maxConcurrency,
    connect: { timeout: settings.timeoutMs },
  });
  const guards = new Map<string, ReturnType<typeof createSubgraphGuard>>();
  return {
    guard(subgraph: string) {
      let guard = guards.get(subgraph);
      if (!guard) {
        guard = createSubgraphGuard(subgraph, settings, agent, metrics, logger);
        guards.set(subgraph, guard);
      }
      return guard;
    },
    close: () => agent.close(),
  };
}

export type Resilience = ReturnType<typeof createResilience>;
