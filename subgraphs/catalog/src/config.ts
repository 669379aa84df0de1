import { loadConfig, type SubgraphSettings, subgraphConfig } from '@commerce/service-kit';

export type CatalogConfig = SubgraphSettings;
export const readConfig = (env?: NodeJS.ProcessEnv): CatalogConfig => loadConfig(subgraphConfig('catalog', 4002), env);
