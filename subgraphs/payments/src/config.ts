import { loadConfig, logLevel, port, secret } from '@commerce/service-kit';
import { z } from 'zod';

const schema = z.object({
  PAYMENTS_PORT: port.default(4005),
  HOST: z.string().default('127.0.0.1'),
  PAYMENTS_DATABASE_URL: z.string().startsWith('postgres'),
  ROUTER_SIGNING_SECRET: secret,
  LOG_LEVEL: logLevel,
});

export type PaymentsConfig = z.infer<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv) => loadConfig(schema, env);
