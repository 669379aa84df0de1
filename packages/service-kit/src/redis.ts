import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.ts';

export type { Redis };

/**
 * A Redis connection for one purpose (cache, counters, pub/sub), named so it shows in CLIENT LIST.
 * By default a command fails after a second rather than waiting for Redis forever, so a caller can
 * fall back or answer with an error; BullMQ connections pass `maxRetriesPerRequest: null` instead.
 * Connection errors are logged once per outage (ioredis reconnects on its own), never thrown.
 */
export function createRedis(url: string, name: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { connectionName: name, maxRetriesPerRequest: 1, commandTimeout: 1000, ...options });
  let down = false;
  redis.on('error', (error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error, connection: name }, 'Redis unreachable; retrying in the background');
  });
  redis.on('ready', () => {
    if (down) logger.info({ connection: name }, 'Redis reachable again');
    down = false;
  });
  return redis;
}
