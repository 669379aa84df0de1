import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  closeServer,
  createHttpServer,
  createLogger,
  createRedis,
  graphqlHandler,
  listen,
  maskInternalError,
  type Redis,
  requestIdOf,
  sendJson,
  signIdentity,
} from '@commerce/service-kit';
import { type RouterConfig, subgraphUrl } from './config.ts';
import type { RouterContext } from './context.ts';
import { authorizationPlugin } from './edge/authorization.ts';
import { createGateway, SUPERGRAPH_PATH } from './gateway.ts';
import { readinessRoute } from './health.ts';
import { identify } from './identify.ts';
import { operationLimitsPlugin } from './limits.ts';
import { allowedOrigins, corsPolicy } from './limits-cors.ts';
import { createMetrics, metricsRoute, operationMetricsPlugin } from './metrics.ts';
import { createPartnerDirectory, hasPartnerKey } from './partners.ts';
import { DEFAULT_MANIFEST_PATH, loadManifest, persistedQueriesPlugin, redisApqCache } from './persisted-queries.ts';
import { playgroundPlugin } from './playground.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createResilience } from './resilience.ts';
import { SUBGRAPH_NAMES } from './subgraphs.ts';

/** Waits for a Redis connection, at most `ms`: the router starts (and fails open) without one. */
function redisReady(redis: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (redis.status === 'ready') return resolve();
    const timer = setTimeout(resolve, ms);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The router: one GraphQL endpoint over every subgraph. */
export async function startRouter(config: RouterConfig) {
  const logger = createLogger('router', config.LOG_LEVEL);
  const metrics = createMetrics();
  const resilience = createResilience(
    {
      timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
      retries: config.SUBGRAPH_RETRIES,
      retryDelayMs: config.SUBGRAPH_RETRY_DELAY_MS,
      breakerFailures: config.SUBGRAPH_BREAKER_FAILURES,
      breakerCooldownMs: config.SUBGRAPH_BREAKER_COOLDOWN_MS,
      maxConcurrency: config.SUBGRAPH_MAX_CONCURRENCY,
      maxQueue: config.SUBGRAPH_MAX_QUEUE,
    },
    metrics,
    logger,
  );
  const gateway = createGateway(config, { fetcher: (name) => resilience.guard(name).fetcher });
  // Rate-limit counters: no offline queue, so with Redis down a check fails at once (and the
  // limiter lets the request through) instead of waiting for a reconnect.
  const countersRedis = createRedis(config.REDIS_URL, 'router-rate-limit', logger, {
    enableOfflineQueue: false,
    commandTimeout: 250,
  });
  await redisReady(countersRedis, 1000);
  const rateLimiter = createRateLimiter(
    countersRedis,
    {
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
      limits: {
        anonymous: config.RATE_LIMIT_ANONYMOUS,
        CUSTOMER: config.RATE_LIMIT_CUSTOMER,
        STAFF: config.RATE_LIMIT_STAFF,
        partner: config.RATE_LIMIT_PARTNER,
      },
    },
    metrics,
    logger,
  );
  const apqRedis = createRedis(config.REDIS_URL, 'router-apq', logger);
  const partners = createPartnerDirectory({
    accountsUrl: subgraphUrl(config, 'accounts'),
    routerSigningSecret: config.ROUTER_SIGNING_SECRET,
    cacheSeconds: config.PARTNER_KEY_CACHE_SECONDS,
    logger,
  });
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // The process handles SIGINT/SIGTERM itself (stopOnSignal) and closes things in order.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) =>
      maskInternalError(formatted, () => logger.error({ err: error }, 'internal error')),
    persistedQueries: { cache: redisApqCache(apqRedis, logger), ttl: config.APQ_TTL_SECONDS },
    plugins: [
      persistedQueriesPlugin(loadManifest(config.PERSISTED_QUERY_MANIFEST ?? DEFAULT_MANIFEST_PATH)),
      playgroundPlugin(),
      operationLimitsPlugin({
        maxDepth: config.MAX_QUERY_DEPTH,
        maxAliases: config.MAX_QUERY_ALIASES,
        maxCost: config.MAX_QUERY_COST,
      }),
      authorizationPlugin(readFileSync(SUPERGRAPH_PATH, 'utf8')),
      operationMetricsPlugin(metrics),
    ],
  });
  await apollo.start();
  let serving = true;

  const handler = graphqlHandler<RouterContext>({
    apollo,
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    context: async (req) => {
      const identity = hasPartnerKey(req)
        ? await partners.identify(req)
        : await identify(req, config.JWT_VERIFICATION_KEYS);
      await rateLimiter.admit(identity, req);
      let token: Promise<string> | undefined;
      return {
        identity,
        requestId: requestIdOf(req),
        identityToken: () => (token ??= signIdentity(identity, config.ROUTER_SIGNING_SECRET)),
      };
    },
    routes: {
      '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok', service: 'router' }),
      '/readyz': readinessRoute({
        supergraphLoaded: () => serving,
        redis: countersRedis,
        subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, subgraphUrl(config, name)])),
      }),
      '/metrics': metricsRoute(metrics),
    },
  });
  let applyCors = corsPolicy([]);
  const server = createHttpServer(async (req, res) => {
    if (!applyCors(req, res)) await handler(req, res);
  });
  await listen(server, config.ROUTER_PORT, config.HOST);
  const { port } = server.address() as AddressInfo; // the real port, when 0 asked for any
  applyCors = corsPolicy(allowedOrigins(config.CORS_ORIGINS, port));
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/graphql`;
  logger.info({ url }, 'router ready');
  return {
    url,
    logger,
    close: async () => {
      serving = false;
      await closeServer(server);
      await apollo.stop();
      await apqRedis.quit();
      await resilience.close();
      countersRedis.disconnect();
    },
  };
}
