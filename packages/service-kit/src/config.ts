import { z } from 'zod';

/**
 * Reads and validates a process's settings once, at start. A missing or bad setting stops the
 * process with a message naming each setting at fault.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
  process.stderr.write(`Invalid configuration:\n${problems}\n`);
  process.exit(78); // EX_CONFIG
}

/** 0 asks the OS for any free port (tests). */
export const port = z.coerce.number().int().min(0).max(65535);
export const url = z.url();
export const secret = z.string().min(32, 'must be at least 32 characters');
export const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL');
/** BullMQ joins its key parts with ':', so the prefix has none. */
export const queuePrefix = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . or - (no colon)')
  .default('commerce');
/** A BullMQ lock or check interval: 1 s to 10 min, 30 s when unset. */
const lockMs = z.coerce.number().int().min(1000).max(600_000).default(30_000);
/** How long live updates are kept for a reconnecting subscriber (router and relays read the same). */
export const liveWindowSeconds = z.coerce
  .number()
  .int()
  .min(10)
  .max(7 * 86_400)
  .default(3600);
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** What every subgraph process reads: its own port and database, and the settings all share. */
export type SubgraphSettings = {
  port: number;
  host: string;
  databaseUrl: string;
  routerSigningSecret: string;
  logLevel: string;
  /** The Redis of the unit's queues (BullMQ). */
  redisUrl: string;
  /** The BullMQ key prefix: several systems (test runs, a local run) on one Redis stay apart. */
  queuePrefix: string;
  /**
   * How long a consumer's job lock lasts, and how often BullMQ looks for jobs whose worker died
   * (default 30 s each): after a crash, the jobs the dead worker held run again within about
   * both. Fault tests shorten them.
   */
  consumerLockMs?: number;
  consumerStalledCheckMs?: number;
  /** How long the unit's live updates stay in its stream (packages/service-kit/src/messaging/live.ts). */
  liveWindowSeconds: number;
};

type SubgraphShape<P extends string> = { [K in `${P}_PORT`]: z.ZodDefault<typeof port> } & {
  [K in `${P}_DATABASE_URL`]: z.ZodString;
} & {
  HOST: z.ZodDefault<z.ZodString>;
  ROUTER_SIGNING_SECRET: typeof secret;
  LOG_LEVEL: typeof logLevel;
  REDIS_URL: typeof redisUrl;
  QUEUE_PREFIX: typeof queuePrefix;
  CONSUMER_LOCK_MS: typeof lockMs;
  CONSUMER_STALLED_CHECK_MS: typeof lockMs;
  LIVE_WINDOW_SECONDS: typeof liveWindowSeconds;
};

/**
 * The environment variables of a subgraph named `unit` (ORDERS_PORT, ORDERS_DATABASE_URL, HOST,
 * ROUTER_SIGNING_SECRET, LOG_LEVEL, REDIS_URL, QUEUE_PREFIX), to spread into its config schema beside any of its own.
 */
export function subgraphShape<P extends string>(unit: P, defaultPort: number): SubgraphShape<Uppercase<P>> {
  const prefix = unit.toUpperCase();
  return {
    [`${prefix}_PORT`]: port.default(defaultPort),
    HOST: z.string().default('127.0.0.1'),
    [`${prefix}_DATABASE_URL`]: z.string().startsWith('postgres'),
    ROUTER_SIGNING_SECRET: secret,
    LOG_LEVEL: logLevel,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    CONSUMER_LOCK_MS: lockMs,
    CONSUMER_STALLED_CHECK_MS: lockMs,
    LIVE_WINDOW_SECONDS: liveWindowSeconds,
  } as SubgraphShape<Uppercase<P>>;
}

/** The parsed variables of subgraphShape, under names that do not depend on the unit. */
export function subgraphSettings(unit: string, env: Record<string, unknown>): SubgraphSettings {
  const prefix = unit.toUpperCase();
  return {
    port: env[`${prefix}_PORT`] as number,
    host: env.HOST as string,
    databaseUrl: env[`${prefix}_DATABASE_URL`] as string,
    routerSigningSecret: env.ROUTER_SIGNING_SECRET as string,
    logLevel: env.LOG_LEVEL as string,
    redisUrl: env.REDIS_URL as string,
    queuePrefix: env.QUEUE_PREFIX as string,
    consumerLockMs: env.CONSUMER_LOCK_MS as number,
    consumerStalledCheckMs: env.CONSUMER_STALLED_CHECK_MS as number,
    liveWindowSeconds: env.LIVE_WINDOW_SECONDS as number,
  };
}

/** The config schema of a subgraph that reads nothing beyond what every subgraph reads. */
export function subgraphConfig(unit: string, defaultPort: number) {
  return z.object(subgraphShape(unit, defaultPort)).transform((env) => subgraphSettings(unit, env));
}
