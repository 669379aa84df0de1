import { loadConfig, type SubgraphSettings, subgraphConfig } from '@commerce/service-kit';

export type PaymentsConfig = SubgraphSettings;
export const readConfig = (env?: NodeJS.ProcessEnv): PaymentsConfig =>
  loadConfig(subgraphConfig('payments', 4005), env);
