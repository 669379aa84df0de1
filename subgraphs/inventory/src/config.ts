import { loadConfig, logLevel, port, secret } from '@commerce/service-kit';
import { z } from 'zod';

const schema = z.object({
  INVENTORY_PORT: port.default(4003),
  HOST: z.string().default('127.0.0.1'),
  INVENTORY_DATABASE_URL: z.string().startsWith('postgres'),
  ROUTER_SIGNING_SECRET: secret,
  LOG_LEVEL: logLevel,
});

export type InventoryConfig = z.infer<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv) => loadConfig(schema, env);
