import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  liveWindowSeconds,
  loadConfig,
  logLevel,
  parseKeyRing,
  port,
  queuePrefix,
  secret,
} from '@commerce/service-kit';
import { z } from 'zod';
import { type Subgraph, subgraphsOf, urlVariableOf } from './execution/subgraphs.ts';

/** The supergraph served when neither `--supergraph` nor SUPERGRAPH_PATH names one: the project's own. */
export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL('../supergraph.graphql', import.meta.url));

/** A supergraph file, read once at start, with the subgraphs its join__Graph enum names. */
const supergraphFile = z
  .string()
  .min(1)
  .default(DEFAULT_SUPERGRAPH_PATH)
  .transform((path, ctx) => {
    try {
      const sdl = readFileSync(path, 'utf8');
      return { path, sdl, subgraphs: subgraphsOf(sdl) };
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot serve ${path}: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Limits, rate limits and resilience at the edge (router/src/edge/: limits, rate-limit; router/src/execution/resilience.ts). */
const edgeSettings = {
  /** Lexical tokens in a document: the parser stops past this, so a huge document costs little. */
  MAX_QUERY_TOKENS: positive(3000),
  /** Selections in an operation with its fragments expanded, aliases or not. */
  MAX_QUERY_FIELDS: positive(500),
  /** Times one field (response name) may be selected in one selection set, fragments included. */
  MAX_QUERY_FIELD_REPEATS: positive(20),
  MAX_QUERY_DEPTH: positive(12),
  MAX_QUERY_ALIASES: count(20),
  /** Each field costs 1; a list field's selection costs its `first` (default page size) times over. */
  MAX_QUERY_COST: positive(10_000),
  MAX_BODY_BYTES: positive(1_000_000),
  /** Browser origins allowed to call, comma-separated; default: the router's own localhost origin. */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const origins = value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean);
      for (const origin of origins) {
        if (URL.canParse(origin) && new URL(origin).origin === origin) continue;
        ctx.addIssue({ code: 'custom', message: `${origin} is not an origin like https://shop.example.com` });
        return z.NEVER;
      }
      return origins;
    }),
  /** Requests per client per window, by who the client is. */
  RATE_LIMIT_WINDOW_SECONDS: positive(60),
  RATE_LIMIT_ANONYMOUS: positive(300),
  RATE_LIMIT_CUSTOMER: positive(600),
  RATE_LIMIT_STAFF: positive(1200),
  RATE_LIMIT_PARTNER: positive(1200),
  /** Failed sign-ins (bad API key, forged or expired token) per address and window; past it, 429 before any check. */
  AUTH_FAILURE_LIMIT: positive(20),
  /** Requests per address and window to /metrics, /readyz and the playground page. */
  RATE_LIMIT_OPS_PAGES: positive(120),
  /** Router replicas sharing a Redis and this prefix share the counters. */
  RATE_LIMIT_KEY_PREFIX: z.string().min(1).default('commerce:rate-limit'),
  SUBGRAPH_TIMEOUT_MS: positive(2000),
  /** Extra attempts, for queries only: a mutation is sent once. */
  SUBGRAPH_RETRIES: count(2),
  SUBGRAPH_RETRY_DELAY_MS: positive(50),
  /** Consecutive failures that open a subgraph's circuit, and how long it stays open before a probe. */
  SUBGRAPH_BREAKER_FAILURES: positive(5),
  SUBGRAPH_BREAKER_COOLDOWN_MS: positive(5000),
  /** Bulkhead: requests in flight to one subgraph, and how many more may wait for a slot. */
  SUBGRAPH_MAX_CONCURRENCY: positive(64),
  SUBGRAPH_MAX_QUEUE: count(128),
  /**
   * A query to a subgraph identical to one in flight for a caller with the same rights (the same
   * signed identity header) waits for that one's answer instead of being sent again. Never a mutation.
   */
  SUBGRAPH_MERGE_IN_FLIGHT: z.enum(['on', 'off']).default('on'),
  /**
   * Who runs query plans: `own` (router/src/execution/executor.ts: the response written from a
   * shape compiled once per operation, identical entity fetches within a request sent once) or
   * `gateway` (@apollo/gateway's executor). Mutations, introspection and @defer always go to the gateway's.
   */
  ROUTER_EXECUTOR: z.enum(['own', 'gateway']).default('own'),
  /**
   * Router processes sharing the port (node:cluster), each a whole router with its own caches,
   * in-flight merging and /metrics; 1 runs the router in this process alone.
   */
  ROUTER_WORKERS: positive(1),
};

/** Subscriptions over WebSocket (router/src/subscriptions/). */
const liveSettings = {
  /** How long updates are kept for a client resuming with `after` (the units' relays trim to the same). */
  LIVE_WINDOW_SECONDS: liveWindowSeconds,
  /** WebSocket connections one client (user, partner, or anonymous address) may hold at once. */
  LIVE_MAX_CONNECTIONS_PER_CLIENT: positive(50),
  /** Subscriptions one WebSocket connection may hold at once. */
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: positive(100),
  /** Updates waiting for a client that reads too slowly before its socket is closed. */
  LIVE_MAX_BUFFERED_UPDATES: positive(200),
  /** WebSocket ping interval; a client missing a pong for as long is dropped. */
  LIVE_KEEPALIVE_MS: positive(12_000),
  /** The key prefix of the units' live streams: their QUEUE_PREFIX. */
  QUEUE_PREFIX: queuePrefix,
};

const shape = {
  /** The supergraph to serve (`--supergraph <file>` sets it too). Each subgraph's URL is its `@join__graph(url:)`, or <NAME>_URL when set. */
  SUPERGRAPH_PATH: supergraphFile,
  /** The subgraph asked which partner holds an API key (its `partnerClientByKeyHash`); absent from the supergraph, API keys are refused. */
  PARTNER_KEYS_SUBGRAPH: z.string().min(1).default('accounts'),
  ROUTER_PORT: port.default(4000),
  HOST: z.string().default('127.0.0.1'),
  ROUTER_SIGNING_SECRET: secret,
  /** `id:secret,id:secret`: every key an access token may be signed with (rotation: old and new). */
  JWT_VERIFICATION_KEYS: z.string().transform((value, ctx) => {
    try {
      const ring = parseKeyRing(value);
      if (ring.length > 0 && ring.every((key) => key.secret.length >= 32)) return ring;
    } catch {}
    ctx.addIssue({
      code: 'custom',
      message: 'must be keys written id:secret,id:secret with secrets of 32+ characters',
    });
    return z.NEVER;
  }),
  LOG_LEVEL: logLevel,
  REDIS_URL: z.string().startsWith('redis'),
  /** How long a partner key's lookup (valid or not) is kept: a revoked key works at most this long. */
  PARTNER_KEY_CACHE_SECONDS: z.coerce.number().int().min(1).max(300).default(30),
  /** How long an automatic persisted query stays in Redis after it was last registered. */
  APQ_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  /** The longest query a client may store as an APQ entry (UTF-8 bytes). */
  APQ_MAX_QUERY_BYTES: positive(10_000),
  /** APQ entries one client (user, or address when anonymous) may store per APQ_REGISTRATION_WINDOW_SECONDS. */
  APQ_MAX_REGISTRATIONS: positive(100),
  APQ_REGISTRATION_WINDOW_SECONDS: positive(3600),
  /** Who may introspect the schema: staff (default), all (local development), off. */
  INTROSPECTION: z.enum(['staff', 'all', 'off']).default('staff'),
  /** The partners' safelist (router/persisted-query-manifest.json when unset). */
  PERSISTED_QUERY_MANIFEST: z.string().optional(),
  ...edgeSettings,
  ...liveSettings,
};

type Settings = z.output<z.ZodObject<typeof shape>>;

export type RouterConfig = Omit<Settings, 'SUPERGRAPH_PATH'> & {
  supergraph: { path: string; sdl: string };
  /** Every subgraph the supergraph names, at the URL the router sends it requests. */
  subgraphs: Subgraph[];
};

/**
 * The router's own settings, and a <NAME>_URL for each subgraph the supergraph names (the rest of
 * the environment is left alone): the variables to read depend on the supergraph, so the object
 * stays loose until the supergraph is read.
 */
const schema = z.looseObject(shape).transform((env, ctx): RouterConfig => {
  const { path, sdl, subgraphs: named } = env.SUPERGRAPH_PATH;
  const taken = new Map<string, string>();
  const subgraphs: Subgraph[] = [];
  for (const { name, url } of named) {
    const variable = urlVariableOf(name);
    if (variable in shape || taken.has(variable)) {
      const holder = taken.has(variable) ? `subgraph ${taken.get(variable)}` : 'a setting of the router';
      ctx.addIssue({
        code: 'custom',
        path: ['SUPERGRAPH_PATH'],
        message: `subgraph ${name} would take its URL from ${variable}, which is ${holder}: rename it in the supergraph`,
      });
      continue;
    }
    taken.set(variable, name);
    const value = env[variable] ?? url;
    if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
      const from = env[variable] === undefined ? ` (from @join__graph in ${path}; set ${variable} instead)` : '';
      ctx.addIssue({ code: 'custom', path: [variable], message: `must be an http(s) URL${from}` });
      continue;
    }
    subgraphs.push({ name, url: value });
  }
  const settings = Object.fromEntries(
    Object.keys(shape)
      .filter((key) => key !== 'SUPERGRAPH_PATH')
      .map((key) => [key, env[key as keyof typeof env]]),
  ) as Omit<Settings, 'SUPERGRAPH_PATH'>;
  return { ...settings, supergraph: { path, sdl }, subgraphs };
});

export const readConfig = (env?: NodeJS.ProcessEnv): RouterConfig => loadConfig(schema, env);

/** Validates settings without leaving the process: for tests of the configuration itself. */
export const checkConfig = (env: NodeJS.ProcessEnv) => schema.safeParse(env);
