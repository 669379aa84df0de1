import { loadConfig, logLevel, port, secret } from '@commerce/service-kit';
import { z } from 'zod';

const schema = z.object({
  ORDERS_PORT: port.default(4004),
  HOST: z.string().default('127.0.0.1'),
  ORDERS_DATABASE_URL: z.string().startsWith('postgres'),
  ROUTER_SIGNING_SECRET: secret,
  LOG_LEVEL: logLevel,
});

export type OrdersConfig = z.infer<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv) => loadConfig(schema, env);
