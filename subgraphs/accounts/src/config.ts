import { loadConfig, parseKeyRing, subgraphSettings, subgraphShape } from '@commerce/service-kit';
import { z } from 'zod';

const schema = z
  .object({
    ...subgraphShape('accounts', 4001),
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
  })
  .transform((env) => ({
    ...subgraphSettings('accounts', env),
    signingKey: env.JWT_SIGNING_KEY,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
  }));

export type AccountsConfig = z.output<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv) => loadConfig(schema, env);
