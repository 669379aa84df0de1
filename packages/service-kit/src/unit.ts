import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { liveUnits, type UnitName } from '@commerce/events';
import { closeServer, createHttpServer, listen, type Route, sendJson } from './http.ts';
import { createLogger, type Logger } from './logger.ts';
import type { ConsumersOptions } from './messaging/consumer.ts';
import { checkRedisDurability } from './messaging/durability.ts';
import { createLivePublisher } from './messaging/live.ts';
import { createUnitMetrics } from './messaging/metrics.ts';
import { redisConnection } from './messaging/queues.ts';
import type { RelayOptions } from './messaging/relay.ts';
import { type ProcessRole, readProcessRole, runsApi, runsWorkers } from './messaging/role.ts';
import { startWorkers, type Workers } from './messaging/workers.ts';
import { createRedis } from './redis.ts';
import { prismaStore, type Sql, type SqlPool, type TransactionalDb, type TransactionClientOf } from './sql.ts';
import { probeRoutes, type RequestScope, type SubgraphOptions, startSubgraph, stopOnSignal } from './subgraph.ts';

/** A unit's Prisma client: what its API, its consumers and its shutdown need of it. */
export type UnitDb = TransactionalDb & { $disconnect(): Promise<void> };

/** The consuming side of a unit: its handlers per event type and its queue's settings. */
export type UnitConsumers<Tx> = Omit<
  ConsumersOptions<Tx>,
  'unit' | 'store' | 'connection' | 'queuePrefix' | 'logger' | 'onProcessed'
>;

/**
 * Where a unit's event handlers run: with `sql` (the unit's own `pg` pool, closed with the unit),
 * in its transactions, written in SQL; without, in Prisma interactive transactions.
 */
type UnitStore<Db extends UnitDb> =
  | { sql: SqlPool; consumers?: UnitConsumers<Sql> }
  | { sql?: undefined; consumers?: UnitConsumers<TransactionClientOf<Db>> };

/** Everything a unit is: its API (schema, resolvers, context) and its workers. */
export type UnitDefinition<TContext extends RequestScope, Db extends UnitDb> = SubgraphOptions<TContext> & {
  name: UnitName;
  db: Db;
  /** The unit's own series (Prometheus text), appended to /metrics: e.g. a circuit breaker's state. */
  metrics?: () => string;
  /** The relay's tuning and test hooks (poll interval, batch size, faults). */
  relay?: Omit<RelayOptions, 'unit' | 'databaseUrl' | 'connection' | 'queuePrefix' | 'logger' | 'onPublished'>;
  /** Closes what the unit opened itself (e.g. a Redis connection of a read model), last. */
  onClose?: () => Promise<void>;
} & UnitStore<Db>;

export type RunOptions = {
  /** Default: ROLE from the environment (api, worker, all; unset is all). */
  role?: ProcessRole;
  /** Default true: SIGTERM/SIGINT stop the unit in order and disconnect its database. Tests pass false. */
  stopOnSignal?: boolean;
};

export type RunningUnit = {
  role: ProcessRole;
  logger: Logger;
  /** The GraphQL endpoint in the api and all roles; the probes and metrics server's base in the worker role. */
  url: string;
  /** Where /healthz, /readyz and /metrics are. */
  baseUrl: string;
  workers: Workers | undefined;
  /** Stops taking requests, lets the workers finish or hand back their jobs, closes Redis connections. */
  close(): Promise<void>;
};

async function warnOfRedisDurability(redisUrl: string, name: string, logger: Logger): Promise<void> {
  const redis = createRedis(redisUrl, `${name}:durability-check`, logger);
  try {
    await checkRedisDurability(redis, logger);
  } finally {
    redis.disconnect();
  }
}

/**
 * How every unit's process starts (main.ts) and how tests start one in-process. By role: the HTTP
 * API (api, all), the outbox relay and the unit's consumers (worker, all). Every role serves
 * /healthz, /readyz and /metrics on the unit's port; a worker-only process serves only those.
 */
export async function runUnit<TContext extends RequestScope, Db extends UnitDb>(
  unit: UnitDefinition<TContext, Db>,
  options: RunOptions = {},
): Promise<RunningUnit> {
  const { name, settings, db } = unit;
  const role = options.role ?? readProcessRole();
  const logger = unit.logger ?? createLogger(name, settings.logLevel);
  const connection = redisConnection(settings.redisUrl);
  // Warning only: a unit without durable Redis still serves, but its operators are told.
  await warnOfRedisDurability(settings.redisUrl, name, logger);
  const metrics = createUnitMetrics({ unit: name, connection, queuePrefix: settings.queuePrefix });
  const routes: Record<string, Route> = {
    ...unit.routes,
    '/metrics': (req, res) => metrics.route(req, res, unit.metrics),
  };

  const api = runsApi(role) ? await startSubgraph({ ...unit, logger, routes }) : undefined;
  let probes: Server | undefined;
  let workers: Workers | undefined;
  // The live stream's connection: fails a command after a second, so the relay retries the batch.
  const liveUnit = liveUnits.find((unit) => unit === name);
  const liveRedis = liveUnit && runsWorkers(role) ? createRedis(settings.redisUrl, `${name}:live`, logger) : undefined;
  try {
    if (runsWorkers(role)) {
      workers = await startWorkers({
        unit: name,
        databaseUrl: settings.databaseUrl,
        connection,
        queuePrefix: settings.queuePrefix,
        logger,
        relay: {
          ...unit.relay,
          onPublished: metrics.onPublished,
          live:
            liveUnit && liveRedis
              ? createLivePublisher({
                  redis: liveRedis,
                  unit: liveUnit,
                  queuePrefix: settings.queuePrefix,
                  windowSeconds: settings.liveWindowSeconds,
                })
              : undefined,
        },
        consumers: consumersOf(unit, {
          lockDurationMs: settings.consumerLockMs,
          stalledIntervalMs: settings.consumerStalledCheckMs,
          onProcessed: metrics.onProcessed,
        }),
      });
    }
    if (!api) probes = await serveProbes(name, settings, { ...probeRoutes(name, db, logger), ...routes }, logger);
  } catch (error) {
    await api?.close();
    await workers?.stop();
    liveRedis?.disconnect();
    await metrics.close();
    await unit.sql?.close();
    await unit.onClose?.();
    throw error;
  }
  const baseUrl = api
    ? api.url.replace(/\/graphql$/, '')
    : `http://${settings.host}:${(probes!.address() as AddressInfo).port}`;
  if (probes)
    logger.info({ url: baseUrl, port: (probes.address() as AddressInfo).port }, `${name} probes at ${baseUrl}`);
  logger.info({ role, consumes: Object.keys(unit.consumers?.handlers ?? {}) }, `${name} running`);

  const close = async () => {
    await api?.close(); // no new requests; those in flight finish
    await workers?.stop(); // jobs in hand finish or go back to their queue
    liveRedis?.disconnect();
    if (probes) await closeServer(probes);
    await metrics.close();
    await unit.sql?.close();
    await unit.onClose?.();
  };
  if (options.stopOnSignal ?? true) stopOnSignal(logger, close, () => db.$disconnect());
  return { role, logger, url: api?.url ?? baseUrl, baseUrl, workers, close };
}

/** The unit's consumers with their store: its SQL pool, or its Prisma client's transactions. */
function consumersOf<Db extends UnitDb>(
  unit: UnitStore<Db> & { db: Db },
  settings: Pick<ConsumersOptions<unknown>, 'lockDurationMs' | 'stalledIntervalMs' | 'onProcessed'>,
): Omit<ConsumersOptions<unknown>, 'unit' | 'connection' | 'queuePrefix' | 'logger'> | undefined {
  if (!unit.consumers) return undefined;
  const { onProcessed, ...defaults } = settings;
  return { ...defaults, ...unit.consumers, store: unit.sql ?? prismaStore(unit.db), onProcessed } as Omit<
    ConsumersOptions<unknown>,
    'unit' | 'connection' | 'queuePrefix' | 'logger'
  >;
}

async function serveProbes(
  name: string,
  settings: { port: number; host: string },
  routes: Record<string, Route>,
  logger: Logger,
): Promise<Server> {
  const server = createHttpServer(async (req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://localhost').pathname];
    try {
      if (route) return await route(req, res);
      sendJson(res, 404, {
        errors: [
          {
            message: `This ${name} process runs workers only: /healthz, /readyz, /metrics.`,
            extensions: { code: 'NOT_FOUND' },
          },
        ],
      });
    } catch (error) {
      logger.error({ err: error }, 'probe failed');
      if (!res.headersSent) sendJson(res, 500, { status: 'error' });
    }
  });
  await listen(server, settings.port, settings.host);
  return server;
}

/** A unit's API alone, in the test's own process, with no signal handlers: how tests start one. */
export const inProcessApi: RunOptions = { role: 'api', stopOnSignal: false };
