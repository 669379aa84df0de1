import { loadConfig, logLevel, port, secret } from '@commerce/service-kit';
import { z } from 'zod';

const schema = z.object({
  NOTIFICATIONS_PORT: port.default(4006),
  HOST: z.string().default('127.0.0.1'),
  NOTIFICATIONS_DATABASE_URL: z.string().startsWith('postgres'),
  ROUTER_SIGNING_SECRET: secret,
  LOG_LEVEL: logLevel,
});

export type NotificationsConfig = z.infer<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv) => loadConfig(schema, env);
