import type { RequestScope } from '@commerce/service-kit';
import type DataLoader from 'dataloader';
import type { Db } from './db.ts';
import type { Category } from './generated/prisma/client.ts';
import type { StorefrontProduct, StorefrontReadModel } from './read-model/storefront.ts';

export type Context = RequestScope & {
  db: Db;
  /** The read model, or null when reads go to Postgres only (STOREFRONT_READ_MODEL=off). */
  storefront: StorefrontReadModel | null;
  productsById: DataLoader<string, StorefrontProduct | null>;
  categoriesById: DataLoader<string, Category | null>;
  /** What is available of a product, from catalog's copy of inventory's levels (0 when none yet). */
  availableById: DataLoader<string, number>;
};
