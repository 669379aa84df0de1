import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  closeServer,
  createHttpServer,
  createLogger,
  createRedis,
  graphqlHandler,
  type Identity,
  listen,
  maskInternalError,
  PARTNER_KEY_HEADER,
  type Redis,
  type Route,
  readAuthorizationRequirements,
  requestIdOf,
  sendJson,
  sendRequestError,
  signIdentity,
} from '@commerce/service-kit';
import { GraphQLError, type GraphQLSchema, parse } from 'graphql';
import { decodeJwt } from 'jose';
import type { RouterConfig } from './config.ts';
import type { RouterContext } from './context.ts';
import { authorizationPlugin } from './edge/authorization.ts';
import { identify } from './edge/identify.ts';
import { introspectionPlugin } from './edge/introspection.ts';
import { createOperationLimits } from './edge/limits.ts';
import { allowedOrigins, corsPolicy } from './edge/limits-cors.ts';
import { createPartnerDirectory, hasPartnerKey } from './edge/partners.ts';
import {
  DEFAULT_MANIFEST_PATH,
  loadManifest,
  persistedQueriesPlugin,
  redisApqCache,
} from './edge/persisted-queries.ts';
import { asksForPlayground, playgroundPlugin } from './edge/playground.ts';
import { clientOf, createRateLimiter } from './edge/rate-limit.ts';
import { useOwnExecutor } from './execution/executor.ts';
import { createGateway } from './execution/gateway.ts';
import { createResilience } from './execution/resilience.ts';
import { readinessRoute } from './ops/health.ts';
import { createMetrics, metricsRoute, operationMetricsPlugin } from './ops/metrics.ts';
import { startLiveStreams } from './subscriptions/live-streams.ts';
import { subscriptionsOverHttpPlugin } from './subscriptions/over-http.ts';
import { type Connected, startLiveServer } from './subscriptions/server.ts';

const failedSignIn = (error: unknown) => error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED';

/**
 * The credentials a WebSocket client sent in `connection_init`, as the request headers the HTTP
 * path reads: `{ authorization }` or `{ "x-api-key" }`, at the payload's top level or under
 * `headers` (as GraphiQL sends them), any case.
 */
function credentialsOf(params: Record<string, unknown>, request: IncomingMessage): IncomingMessage {
  const nested = params.headers;
  const headers = (nested && typeof nested === 'object' ? nested : params) as Record<string, unknown>;
  const pick = (name: string) => {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name && typeof value === 'string') return value;
    }
    return undefined;
  };
  const authorization = pick('authorization');
  const apiKey = pick(PARTNER_KEY_HEADER);
  return {
    headers: { ...(authorization ? { authorization } : {}), ...(apiKey ? { [PARTNER_KEY_HEADER]: apiKey } : {}) },
    socket: request.socket,
  } as IncomingMessage;
}

/** When a bearer token stops being valid (ms since the epoch), read from its own `exp`. */
function expiryOf(req: IncomingMessage): number | undefined {
  const token = req.headers.authorization?.split(' ')[1];
  if (!token) return undefined;
  const { exp } = decodeJwt(token);
  return exp === undefined ? undefined : exp * 1000;
}

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
      mergeInFlight: config.SUBGRAPH_MERGE_IN_FLIGHT === 'on',
    },
    metrics,
    logger,
  );
  const gateway = createGateway(config, { fetcher: (name) => resilience.guard(name).fetcher });
  if (config.ROUTER_EXECUTOR === 'own') {
    useOwnExecutor(gateway, (executor) => metrics.plansExecuted.inc({ executor }));
  } else {
    const { executor } = gateway;
    gateway.executor = (requestContext) => {
      metrics.plansExecuted.inc({ executor: 'gateway' });
      return executor(requestContext);
    };
  }
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => {
    apiSchema = loaded;
  });
  // Rate-limit counters: no offline queue, so with Redis down a check fails at once (and the
  // limiter lets the request through) instead of waiting for a reconnect.
  const countersRedis = createRedis(config.REDIS_URL, 'router-rate-limit', logger, {
    enableOfflineQueue: false,
    commandTimeout: 250,
  });
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
      authFailureLimit: config.AUTH_FAILURE_LIMIT,
      opsPageLimit: config.RATE_LIMIT_OPS_PAGES,
    },
    metrics,
    logger,
  );
  // APQ on a connection of its own, failing as fast as the counters': a miss, not a wait.
  const apqRedis = createRedis(config.REDIS_URL, 'router-apq', logger, {
    enableOfflineQueue: false,
    commandTimeout: 250,
  });
  await Promise.all([redisReady(countersRedis, 1000), redisReady(apqRedis, 1000)]);
  const operationLimits = createOperationLimits({
    maxTokens: config.MAX_QUERY_TOKENS,
    maxFields: config.MAX_QUERY_FIELDS,
    maxFieldRepeats: config.MAX_QUERY_FIELD_REPEATS,
    maxDepth: config.MAX_QUERY_DEPTH,
    maxAliases: config.MAX_QUERY_ALIASES,
    maxCost: config.MAX_QUERY_COST,
  });
  const supergraphSdl = config.supergraph.sdl;
  const manifest = loadManifest(config.PERSISTED_QUERY_MANIFEST ?? DEFAULT_MANIFEST_PATH);
  const partnerKeys = config.subgraphs.find(({ name }) => name === config.PARTNER_KEYS_SUBGRAPH);
  if (!partnerKeys) {
    logger.warn(
      { subgraph: config.PARTNER_KEYS_SUBGRAPH, supergraph: config.supergraph.path },
      'the supergraph has no subgraph that knows API keys (PARTNER_KEYS_SUBGRAPH): API keys are refused',
    );
  }
  const partners = createPartnerDirectory({
    subgraph: partnerKeys,
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
    // Documents Apollo parses itself (an APQ hash, a `documentId`) get the same token limit.
    parseOptions: { maxTokens: config.MAX_QUERY_TOKENS },
    plugins: [
      persistedQueriesPlugin(manifest, {
        redis: apqRedis,
        keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
        maxQueryBytes: config.APQ_MAX_QUERY_BYTES,
        maxRegistrations: config.APQ_MAX_REGISTRATIONS,
        windowSeconds: config.APQ_REGISTRATION_WINDOW_SECONDS,
        logger,
      }),
      playgroundPlugin(),
      introspectionPlugin(config.INTROSPECTION),
      operationLimits.plugin,
      authorizationPlugin(supergraphSdl),
      subscriptionsOverHttpPlugin(),
      operationMetricsPlugin(metrics),
    ],
  });
  await apollo.start();
  let serving = true;

  /** Operations pages answer anyone who can reach them, so each address gets a few per window. */
  const limitedByAddress =
    (route: Route): Route =>
    async (req, res) => {
      const refused = await rateLimiter.admitOpsPage(req);
      if (refused) return sendRequestError(res, refused);
      return route(req, res);
    };

  /** Who is calling, from a request's headers (HTTP) or a socket's connection_init (WebSocket). */
  async function identifyCaller(req: IncomingMessage): Promise<Identity> {
    const partner = hasPartnerKey(req);
    // An address that keeps failing to sign in is refused before its key or token is looked at.
    if (partner || req.headers.authorization !== undefined) await rateLimiter.admitCredentials(req);
    try {
      return partner ? await partners.identify(req) : await identify(req, config.JWT_VERIFICATION_KEYS);
    } catch (error) {
      if (failedSignIn(error)) await rateLimiter.countAuthFailure(req);
      throw error;
    }
  }

  /** The identity header for each subgraph, signed once per request and subgraph on first use. */
  function identityTokens(identity: Identity): RouterContext['identityToken'] {
    const tokens = new Map<string, Promise<string>>();
    return (subgraph) => {
      const made = tokens.get(subgraph) ?? signIdentity(identity, config.ROUTER_SIGNING_SECRET, subgraph);
      tokens.set(subgraph, made);
      return made;
    };
  }

  const handler = graphqlHandler<RouterContext>({
    apollo,
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    screen: operationLimits.screen,
    context: async (req) => {
      const identity = await identifyCaller(req);
      const client = clientOf(identity, req);
      await rateLimiter.admit(client);
      return { identity, client, requestId: requestIdOf(req), identityToken: identityTokens(identity) };
    },
    routes: {
      '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok', service: 'router' }),
      '/readyz': limitedByAddress(
        readinessRoute({
          supergraphLoaded: () => serving,
          redis: countersRedis,
          subgraphs: Object.fromEntries(config.subgraphs.map(({ name, url }) => [name, url])),
        }),
      ),
      '/metrics': limitedByAddress(metricsRoute(metrics)),
    },
  });
  const playgroundPage = limitedByAddress(handler);
  let applyCors = corsPolicy([]);
  const server = createHttpServer(async (req, res) => {
    if (applyCors(req, res)) return;
    await (asksForPlayground(req) ? playgroundPage(req, res) : handler(req, res));
  });
  // This process among the router's replicas, in the names of its Redis connections.
  const instance = randomUUID().slice(0, 8);
  const streams = startLiveStreams({ redisUrl: config.REDIS_URL, queuePrefix: config.QUEUE_PREFIX, instance, logger });
  let origins = new Set<string>();
  const live = startLiveServer({
    httpServer: server,
    path: '/graphql',
    apollo,
    schema: () => apiSchema,
    limits: operationLimits.limits,
    requirements: readAuthorizationRequirements(parse(supergraphSdl)),
    streams,
    manifest,
    rateLimiter,
    authenticate: async (params, request): Promise<Connected> => {
      const req = credentialsOf(params, request);
      const identity = await identifyCaller(req);
      return { identity, client: clientOf(identity, req), expiresAt: expiryOf(req) };
    },
    contextFor: ({ identity, client }, followUp) => ({
      identity,
      client,
      requestId: randomUUID(),
      identityToken: identityTokens(identity),
      ...(followUp ? { liveFollowUp: true as const } : {}),
    }),
    originAllowed: (origin) => origins.has(origin),
    settings: {
      windowSeconds: config.LIVE_WINDOW_SECONDS,
      maxConnectionsPerClient: config.LIVE_MAX_CONNECTIONS_PER_CLIENT,
      maxSubscriptionsPerConnection: config.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxBuffered: config.LIVE_MAX_BUFFERED_UPDATES,
      keepAliveMs: config.LIVE_KEEPALIVE_MS,
      maxMessageBytes: config.MAX_BODY_BYTES,
    },
    metrics,
    logger,
  });
  await listen(server, config.ROUTER_PORT, config.HOST);
  const { port } = server.address() as AddressInfo; // the real port, when 0 asked for any
  origins = new Set(allowedOrigins(config.CORS_ORIGINS, port));
  applyCors = corsPolicy([...origins]);
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/graphql`;
  logger.info({ url }, 'router ready');
  return {
    url,
    instance,
    logger,
    close: async () => {
      serving = false;
      await live.close();
      await streams.stop();
      await closeServer(server);
      await apollo.stop();
      apqRedis.disconnect();
      await resilience.close();
      countersRedis.disconnect();
    },
  };
}
