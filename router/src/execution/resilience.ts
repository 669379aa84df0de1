import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { Logger } from '@commerce/service-kit';
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
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
import { Agent, fetch, Response } from 'undici';
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
};

/** Answers that mean "the subgraph is not serving now" rather than "your request is wrong". */
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

class UnavailableStatus extends Error {
  constructor(readonly status: number) {
    super(`answered HTTP ${status}`);
  }
}

export type FailureReason = 'circuit_open' | 'overloaded' | 'timeout' | 'http_5xx' | 'connection';

function reasonOf(error: unknown): FailureReason {
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) return 'circuit_open';
  if (error instanceof BulkheadRejectedError) return 'overloaded';
  if (error instanceof TaskCancelledError) return 'timeout';
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

/** The operation the gateway sends: the planner writes `mutation …` for mutations, `query …`/`{` otherwise. */
function isMutation(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    const { query } = JSON.parse(body) as { query?: unknown };
    return typeof query === 'string' && /^\s*mutation\b/.test(query);
  } catch {
    return false;
  }
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
  const timeoutPolicy = timeout(settings.timeoutMs, TimeoutStrategy.Aggressive);
  const queries = wrap(bulkheadPolicy, breaker, retryPolicy, timeoutPolicy);
  const mutations = wrap(bulkheadPolicy, breaker, timeoutPolicy);

  metrics.circuitState.set({ subgraph }, 0);
  breaker.onStateChange((state) => {
    metrics.circuitState.set({ subgraph }, CIRCUIT_GAUGE[state]);
    logger.warn({ subgraph, state: CircuitState[state] }, 'subgraph circuit changed');
  });
  retryPolicy.onRetry(() => metrics.subgraphRetries.inc({ subgraph }));

  const attempt = async (url: string, init: Parameters<Fetcher>[1], signal: AbortSignal) => {
    const response = await fetch(url, {
      method: init?.method ?? 'POST',
      headers: init?.headers as Record<string, string> | undefined,
      body: init?.body as string | undefined,
      signal,
      dispatcher: agent,
    });
    const text = await response.text();
    if (UNAVAILABLE_STATUS.has(response.status)) throw new UnavailableStatus(response.status);
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  const fetcher = (async (url, init) => {
    const started = performance.now();
    const policy = isMutation(init?.body) ? mutations : queries;
    try {
      const response = await policy.execute(({ signal }) => attempt(url, init, signal));
      metrics.subgraphRequests.inc({ subgraph, outcome: 'ok' });
      return response;
    } catch (error) {
      const reason = reasonOf(error);
      metrics.subgraphRequests.inc({ subgraph, outcome: 'unavailable' });
      metrics.subgraphErrors.inc({ subgraph, reason });
      // While the circuit is open every request fails the same way: the state change was logged.
      if (reason === 'circuit_open') logger.debug({ subgraph, reason }, 'subgraph unavailable');
      else logger.warn({ subgraph, reason, err: error }, 'subgraph unavailable');
      throw new GraphQLError(`The ${subgraph} service is unavailable: ${EXPLANATION[reason]}.`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: subgraph, reason },
      });
    } finally {
      metrics.subgraphDuration.observe({ subgraph }, (performance.now() - started) / 1000);
    }
  }) as Fetcher;

  return { fetcher, circuit: () => CircuitState[breaker.state] };
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
