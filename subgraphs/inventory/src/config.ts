import { loadConfig, type SubgraphSettings, subgraphConfig } from '@commerce/service-kit';

export type InventoryConfig = SubgraphSettings;
export const readConfig = (env?: NodeJS.ProcessEnv): InventoryConfig =>
  loadConfig(subgraphConfig('inventory', 4003), env);
