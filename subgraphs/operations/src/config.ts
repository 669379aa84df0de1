import { consumingUnits } from '@commerce/events';
import {
  defaultQueuePrefix,
  loadConfig,
  type SubgraphSettings,
  subgraphSettings,
  subgraphShape,
} from '@commerce/service-kit';
import { z } from 'zod';

export type OperationsConfig = SubgraphSettings & {
  /** The Redis that holds every unit's queues. */
  redisUrl: string;
  /** BullMQ's key prefix of every queue, the same setting every unit reads (tests use their own). */
  queuePrefix: string;
};

const schema = z
  .object({
    ...subgraphShape('operations', 4007),
    REDIS_URL: z.string().startsWith('redis'),
    QUEUE_PREFIX: z.string().min(1).default(defaultQueuePrefix),
  })
  .transform((env) => ({
    ...subgraphSettings('operations', env),
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
  }));

export const readConfig = (env?: NodeJS.ProcessEnv): OperationsConfig => loadConfig(schema, env);

/** The units whose queues staff look after: every unit the event routing gives a queue. */
export const watchedUnits = consumingUnits();
