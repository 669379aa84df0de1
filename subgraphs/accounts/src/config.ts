import { loadConfig, logLevel, parseKeyRing, port, secret } from '@commerce/service-kit';
import { z } from 'zod';

const schema = z.object({
  ACCOUNTS_PORT: port.default(4001),
  HOST: z.string().default('127.0.0.1'),
  ACCOUNTS_DATABASE_URL: z.string().startsWith('postgres'),
  ROUTER_SIGNING_SECRET: secret,
  /** `id:secret`: the key new access tokens are signed with (the router holds the whole ring). */
  JWT_SIGNING_KEY: z.string().transform((value, ctx) => {
    try {
      const [key] = parseKeyRing(value);
      if (key && key.secret.length >= 32) return key;
    } catch {}
    ctx.addIssue({ code: 'custom', message: 'must be one key written id:secret, the secret 32+ characters' });
    return z.NEVER;
  }),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(3600),
  LOG_LEVEL: logLevel,
});

export type AccountsConfig = z.infer<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv) => loadConfig(schema, env);
