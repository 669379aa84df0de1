import { loadConfig, subgraphSettings, subgraphShape } from '@commerce/service-kit';
import { z } from 'zod';

const schema = z
  .object({
    ...subgraphShape('catalog', 4002),
    /**
     * `on` (default): the product list (without `search`) and product pages are answered from the
     * storefront's read model in Redis when it is ready; `off`: always from Postgres (the
     * benchmark's baseline, or an operator's switch). The model is kept current either way.
     */
    STOREFRONT_READ_MODEL: z.enum(['on', 'off']).default('on'),
  })
  .transform((env) => ({
    ...subgraphSettings('catalog', env),
    storefrontReadModel: env.STOREFRONT_READ_MODEL === 'on',
  }));

export type CatalogConfig = z.output<typeof schema>;
export const readConfig = (env?: NodeJS.ProcessEnv): CatalogConfig => loadConfig(schema, env);
