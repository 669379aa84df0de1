import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * A Redis connection for one purpose (cache, counters, pub/sub), named so it shows in CLIENT LIST.
 * By default a command fails after a second rather than waiting for Redis forever, so a caller can
 * fall back or answer with an error; BullMQ connections pass `maxRetriesPerRequest: null` instead.
 */
export function createRedis(url: string, name: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: 1, commandTimeout: 1000, ...options });
}
