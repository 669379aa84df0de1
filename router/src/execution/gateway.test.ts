import { IDENTITY_HEADER } from '@commerce/service-kit';
import { describe, expect, inject, it } from 'vitest';
import { errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { bearer, startedPerTest } from '../../../tests/support/router.ts';

// A router whose catalog is reached through a proxy that keeps every header it sees: what a
// listener between the router and one subgraph could capture.
const env = inject('env');
const { router, proxy } = startedPerTest(env);

describe('the identity header the router sends a subgraph', () => {
  it('captured on the way to the catalog, it is refused (403) by every other subgraph', async () => {
    const catalog = await proxy(env.CATALOG_URL!);
    const { url } = await router({ CATALOG_URL: catalog.url });
    const shelf = await graphql(url, '{ products(first: 1) { totalCount } }', {}, await bearer(env, 'STAFF'));
    expect(shelf.body.errors).toBeUndefined();
    const captured = catalog.headersSeen[0]?.[IDENTITY_HEADER];
    expect(captured).toEqual(expect.any(String));

    const replay = (subgraphUrl: string) =>
      graphql(subgraphUrl, '{ __typename }', {}, { [IDENTITY_HEADER]: captured as string });
    // Still good where it was going…
    expect((await replay(env.CATALOG_URL!)).status).toBe(200);
    // …and nowhere else.
    for (const other of ['ACCOUNTS_URL', 'ORDERS_URL', 'PAYMENTS_URL', 'INVENTORY_URL', 'NOTIFICATIONS_URL']) {
      const refused = await replay(env[other]!);
      expect(refused.status, other).toBe(403);
      expect(errorCodes(refused), other).toEqual(['FORBIDDEN']);
    }
  });
});
