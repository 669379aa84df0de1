import { loadConfig, type SubgraphSettings, subgraphConfig } from '@commerce/service-kit';

export type NotificationsConfig = SubgraphSettings;
export const readConfig = (env?: NodeJS.ProcessEnv): NotificationsConfig =>
  loadConfig(subgraphConfig('notifications', 4006), env);
