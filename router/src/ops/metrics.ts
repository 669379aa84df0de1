import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Every figure the router exposes at /metrics, on a registry of its own (one per router instance). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    operations: new Counter({
      name: 'router_operations_total',
      help: 'GraphQL operations served, by operation name and type.',
      labelNames: ['operation', 'type'] as const,
      registers,
    }),
    operationErrors: new Counter({
      name: 'router_operation_errors_total',
      help: 'Errors returned to clients, by operation name and error code.',
      labelNames: ['operation', 'code'] as const,
      registers,
    }),
    operationDuration: new Histogram({
      name: 'router_operation_duration_seconds',
      help: 'Time from receiving an operation to sending its response, by operation name.',
      labelNames: ['operation'] as const,
      buckets: SECONDS,
      registers,
    }),
    plansExecuted: new Counter({
      name: 'router_plans_executed_total',
      help: "Query plans run, by executor: the router's own (own) or @apollo/gateway's (gateway: mutations, introspection, @defer, or ROUTER_EXECUTOR=gateway).",
      labelNames: ['executor'] as const,
      registers,
    }),
    subgraphRequests: new Counter({
      name: 'router_subgraph_requests_total',
      help: 'Requests to subgraphs (after retries), by subgraph and outcome (ok, unavailable).',
      labelNames: ['subgraph', 'outcome'] as const,
      registers,
    }),
    subgraphMerged: new Counter({
      name: 'router_subgraph_merged_total',
      help: 'Subgraph queries answered by an identical one already in flight for a caller with the same rights, by subgraph.',
      labelNames: ['subgraph'] as const,
      registers,
    }),
    subgraphErrors: new Counter({
      name: 'router_subgraph_errors_total',
      help: 'Failed subgraph requests, by subgraph and reason (timeout, connection, http_5xx, circuit_open, overloaded).',
      labelNames: ['subgraph', 'reason'] as const,
      registers,
    }),
    subgraphRetries: new Counter({
      name: 'router_subgraph_retries_total',
      help: 'Query attempts to a subgraph repeated after a failure.',
      labelNames: ['subgraph'] as const,
      registers,
    }),
    subgraphDuration: new Histogram({
      name: 'router_subgraph_request_duration_seconds',
      help: 'Time of a subgraph request including retries, by subgraph.',
      labelNames: ['subgraph'] as const,
      buckets: SECONDS,
      registers,
    }),
    circuitState: new Gauge({
      name: 'router_subgraph_circuit_state',
      help: 'Circuit breaker per subgraph: 0 closed, 1 half-open (probing), 2 open (failing fast).',
      labelNames: ['subgraph'] as const,
      registers,
    }),
    rateLimitRejections: new Counter({
      name: 'router_rate_limit_rejections_total',
      help: 'Requests refused with 429, by kind of client (anonymous, CUSTOMER, STAFF, partner).',
      labelNames: ['client'] as const,
      registers,
    }),
    rateLimitUnchecked: new Counter({
      name: 'router_rate_limit_unchecked_total',
      help: 'Requests let through without a rate-limit check because Redis did not answer (fail open).',
      registers,
    }),
    liveConnections: new Gauge({
      name: 'router_live_connections',
      help: 'WebSocket connections past connection_init (graphql-transport-ws).',
      registers,
    }),
    liveSubscriptions: new Gauge({
      name: 'router_live_subscriptions',
      help: 'Subscriptions being served.',
      registers,
    }),
    liveUpdates: new Counter({
      name: 'router_live_updates_total',
      help: 'Updates sent to subscribers.',
      registers,
    }),
    liveFollowUps: new Counter({
      name: 'router_live_follow_ups_total',
      help: 'Follow-up queries run for updates: one per update and distinct (selection, rights), shared by the subscribers asking it.',
      registers,
    }),
  };
}

export type RouterMetrics = ReturnType<typeof createMetrics>;

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const MAX_OPERATION_NAMES = 200;

/**
 * Operation names come from clients: beyond a fixed number of distinct names, the rest are counted
 * together as `other`, so a client cannot grow the metrics without bound.
 */
function operationLabels() {
  const seen = new Set<string>();
  return (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!GRAPHQL_NAME.test(name)) return 'other';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(name);
    return name;
  };
}

/** Counts, times and error codes of every operation, by name. */
export function operationMetricsPlugin(metrics: RouterMetrics): ApolloServerPlugin {
  const label = operationLabels();
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, operation, response }) {
          const name = label(operationName);
          metrics.operations.inc({ operation: name, type: operation?.operation ?? 'unknown' });
          metrics.operationDuration.observe({ operation: name }, (performance.now() - started) / 1000);
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          for (const error of errors ?? []) {
            const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'UNKNOWN';
            metrics.operationErrors.inc({ operation: name, code });
          }
        },
      };
    },
  };
}

/** GET /metrics in Prometheus' text format. */
export function metricsRoute(metrics: RouterMetrics) {
  return async (_req: unknown, res: ServerResponse) => {
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(body);
  };
}
