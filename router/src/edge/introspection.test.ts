import { describe, expect, inject, it } from 'vitest';
import { errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { bearer, startedPerTest } from '../../../tests/support/router.ts';

// The shared test router runs with the default (INTROSPECTION=staff); routers started here try the others.
const routerUrl = inject('routerUrl');
const env = inject('env');
const { router } = startedPerTest(env);

const SCHEMA = '{ __schema { queryType { name } } }';
const TYPE = '{ __type(name: "Product") { name } }';

describe('introspection', () => {
  it('by default staff may introspect; anonymous callers and customers get FORBIDDEN (403)', async () => {
    for (const query of [SCHEMA, TYPE]) {
      for (const headers of [{}, await bearer(env, 'CUSTOMER')]) {
        const refused = await graphql(routerUrl, query, {}, headers);
        expect(refused.status).toBe(403);
        expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
        expect(refused.body.errors?.[0]?.message).toMatch(/staff only.*api-schema\.graphql/);
      }
    }
    const staff = await graphql<{ __schema: { queryType: { name: string } } }>(
      routerUrl,
      SCHEMA,
      {},
      await bearer(env, 'STAFF'),
    );
    expect(staff.body.errors).toBeUndefined();
    expect(staff.body.data?.__schema.queryType.name).toBe('Query');
  });

  it('`__typename` stays open to everyone', async () => {
    const answer = await graphql(routerUrl, '{ __typename categories { __typename name } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.__typename).toBe('Query');
  });

  it('INTROSPECTION=all opens it to anyone (local development); off closes it to staff too', async () => {
    const open = await router({ INTROSPECTION: 'all' });
    expect((await graphql(open.url, SCHEMA)).body.errors).toBeUndefined();
    const off = await router({ INTROSPECTION: 'off' });
    expect(errorCodes(await graphql(off.url, SCHEMA, {}, await bearer(env, 'STAFF')))).toEqual(['FORBIDDEN']);
  });
});
