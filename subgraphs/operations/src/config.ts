import { consumingUnits } from '@commerce/events';
import { loadConfig, type SubgraphSettings, subgraphConfig } from '@commerce/service-kit';

/** Its port and database, and like every unit REDIS_URL and QUEUE_PREFIX: the queues it watches. */
export type OperationsConfig = SubgraphSettings;
export const readConfig = (env?: NodeJS.ProcessEnv): OperationsConfig =>
  loadConfig(subgraphConfig('operations', 4007), env);

/** The units whose queues staff look after: every unit the event routing gives a queue. */
export const watchedUnits = consumingUnits();
