import { loadConfig, logLevel, parseKeyRing, port, secret } from '@commerce/service-kit';
import { z } from 'zod';
import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES, type SubgraphName } from './subgraphs.ts';

const subgraphUrls = Object.fromEntries(
  SUBGRAPH_NAMES.map((name) => [
    `${name.toUpperCase()}_URL`,
    z.url().default(`http://127.0.0.1:${DEFAULT_SUBGRAPH_PORTS[name]}/graphql`),
  ]),
) as Record<`${Uppercase<SubgraphName>}_URL`, z.ZodDefault<z.ZodURL>>;

const schema = z.object({
  ROUTER_PORT: port.default(4000),
  HOST: z.string().default('127.0.0.1'),
  ROUTER_SIGNING_SECRET: secret,
  /** `id:secret,id:secret`: every key an access token may be signed with (rotation: old and new). */
  JWT_VERIFICATION_KEYS: z.string().transform((value, ctx) => {
    try {
      const ring = parseKeyRing(value);
      if (ring.length > 0 && ring.every((key) => key.secret.length >= 32)) return ring;
    } catch {}
    ctx.addIssue({
      code: 'custom',
      message: 'must be keys written id:secret,id:secret with secrets of 32+ characters',
    });
    return z.NEVER;
  }),
  LOG_LEVEL: logLevel,
  ...subgraphUrls,
});

export type RouterConfig = z.infer<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv) => loadConfig(schema, env);

export function subgraphUrl(config: RouterConfig, name: SubgraphName): string {
  return config[`${name.toUpperCase() as Uppercase<SubgraphName>}_URL`];
}
