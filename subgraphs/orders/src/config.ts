import { loadConfig, type SubgraphSettings, subgraphConfig } from '@commerce/service-kit';

export type OrdersConfig = SubgraphSettings;
export const readConfig = (env?: NodeJS.ProcessEnv): OrdersConfig => loadConfig(subgraphConfig('orders', 4004), env);
