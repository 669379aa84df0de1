import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

export interface RedisDurability {
  appendOnly: boolean | null;
  /** The RDB `save` schedule; "" means no snapshots. */
  rdbSave: string | null;
  maxmemoryPolicy: string | null;
  warnings: string[];
}

async function configValue(redis: Redis, name: string): Promise<string> {
  const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
  return reply[1] ?? '';
}

/**
 * Warns at start when the Redis holding the queues would lose jobs (no AOF and no RDB snapshots:
 * a restart empties it) or evict them (a maxmemory policy other than noeviction). Read-only: it
 * never changes the server's configuration. A Redis that refuses CONFIG (managed services often
 * do) gets one warning that it could not be checked.
 */
export async function checkRedisDurability(redis: Redis, logger: Logger): Promise<RedisDurability> {
  let appendOnly: boolean | null = null;
  let rdbSave: string | null = null;
  let maxmemoryPolicy: string | null = null;
  const warnings: string[] = [];
  try {
    appendOnly = (await configValue(redis, 'appendonly')) === 'yes';
    rdbSave = await configValue(redis, 'save');
    maxmemoryPolicy = await configValue(redis, 'maxmemory-policy');
  } catch (error) {
    warnings.push(
      `Could not read the Redis configuration (${(error as Error).message}); make sure it has appendonly yes and maxmemory-policy noeviction, or queued jobs can be lost.`,
    );
  }
  if (appendOnly === false && rdbSave === '') {
    warnings.push(
      'Redis has neither append-only persistence nor snapshots: a Redis restart loses every queued job (set appendonly yes).',
    );
  } else if (appendOnly === false) {
    warnings.push(
      `Redis keeps only snapshots (save "${rdbSave}"): a crash loses the jobs queued since the last one (set appendonly yes).`,
    );
  }
  if (maxmemoryPolicy !== null && maxmemoryPolicy !== 'noeviction') {
    warnings.push(
      `Redis maxmemory-policy is ${maxmemoryPolicy}: under memory pressure it evicts queued jobs (set noeviction).`,
    );
  }
  for (const warning of warnings) logger.warn({ appendOnly, rdbSave, maxmemoryPolicy }, warning);
  return { appendOnly, rdbSave, maxmemoryPolicy, warnings };
}
