import { buildSchema, getIntrospectionQuery, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { errorCodes, graphql } from '../../tests/support/graphql.ts';
import { type RunningRouter, startTestRouter } from '../../tests/support/router.ts';
import { measureOperation } from './limits.ts';

// The limits of the shared test router (its defaults: depth 12, 20 aliases), and a router started
// here with small ones (depth 4, cost 100, bodies of 2,000 bytes, one allowed browser origin).
const routerUrl = inject('routerUrl');
const env = inject('env');
let small: RunningRouter;
beforeAll(async () => {
  small = await startTestRouter(env, {
    MAX_QUERY_DEPTH: '4',
    MAX_QUERY_COST: '100',
    MAX_BODY_BYTES: '2000',
    CORS_ORIGINS: 'https://shop.example.com',
  });
});
afterAll(async () => {
  await small?.close();
});

const tooComplex = (limit: string) => ({ code: 'QUERY_TOO_COMPLEX', limit });

describe('operation limits', () => {
  it('a query 30 levels deep is refused (400, QUERY_TOO_COMPLEX) with the limit it broke', async () => {
    // A user's orders' customer's orders…: four levels a round, valid however deep it goes.
    const deep = `{ me { ${'orders(first: 1) { edges { node { customer { '.repeat(7)}id${' } } } }'.repeat(7)} } }`;
    const response = await graphql(routerUrl, deep);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('depth'), maximum: 12, actual: 30 });
    expect(response.body.errors?.[0]?.message).toMatch(/30 levels deep; the limit is 12/);
  });

  it("a playground's introspection query is within the limits", async () => {
    const response = await graphql<{ __schema: { types: unknown[] } }>(routerUrl, getIntrospectionQuery());
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.__schema.types.length).toBeGreaterThan(10);
  });

  it('more aliases than allowed are refused; as many as allowed are served', async () => {
    const aliased = (count: number) =>
      `{ ${Array.from({ length: count }, (_, i) => `c${i}: categories { name }`).join(' ')} }`;
    expect((await graphql(routerUrl, aliased(20))).body.errors).toBeUndefined();
    const refused = await graphql(routerUrl, aliased(21));
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('aliases'), maximum: 20, actual: 21 });
  });

  it('cost weighs a list by its `first`: a page of 50 is refused, a page of 10 or the default 20 served', async () => {
    const page = 'query($n: Int) { products(first: $n) { edges { node { name } } } }';
    const refused = await graphql(small.url, page, { n: 50 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('cost'), maximum: 100, actual: 102 });
    expect((await graphql(small.url, page, { n: 10 })).body.errors).toBeUndefined();
    expect((await graphql(small.url, '{ products { edges { node { name } } } }')).body.errors).toBeUndefined();
  });

  it('depth is counted on the supergraph, across subgraphs: one level over the limit is refused', async () => {
    expect((await graphql(small.url, '{ products { edges { node { name } } } }')).body.errors).toBeUndefined();
    const refused = await graphql(small.url, '{ products { edges { node { stock { available } } } } }');
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ ...tooComplex('depth'), maximum: 4, actual: 5 });
  });
});

describe('measuring an operation', () => {
  const schema = buildSchema(`
    type Query { shelf(first: Int): Shelf! tags: [String!]! }
    type Shelf { total: Int! edges: [Edge!]! }
    type Edge { node: Item! }
    type Item { name: String! parts: [Item!]! }
  `);
  const measure = (query: string, variables = {}) => {
    const document = parse(query);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    return measureOperation(schema, operation, {}, variables);
  };

  it("a connection's `first` sizes its list of edges once; lists without one count as a default page", () => {
    // shelf 1 + total 1 + edges (1 + 5 × (node 1 + name 1))
    expect(measure('{ shelf(first: 5) { total edges { node { name } } } }')).toEqual({
      depth: 4,
      aliases: 0,
      cost: 13,
    });
    // … and parts, a plain list, holds a default page of 20 under each node
    expect(measure('{ shelf(first: 5) { edges { node { parts { name } } } } }').cost).toBe(1 + 1 + 5 * (1 + 1 + 20));
    expect(measure('query($n: Int) { shelf(first: $n) { edges { node { name } } } }', { n: 2 }).cost).toBe(6);
  });
});

describe('the HTTP edge', () => {
  it('a body over the size limit is refused with 413 PAYLOAD_TOO_LARGE; one under it is served', async () => {
    const padded = (bytes: number) => `{ categories { name } } # ${'x'.repeat(bytes)}`;
    const refused = await graphql(small.url, padded(3000));
    expect(refused.status).toBe(413);
    expect(errorCodes(refused)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect((await graphql(small.url, padded(1000))).body.errors).toBeUndefined();
  });

  it('CORS: an allowed origin passes its preflight and may read answers; another origin may do neither', async () => {
    const preflight = (origin: string) =>
      fetch(small.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(allowed.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    const other = await preflight('https://evil.example.com');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const read = (origin: string) => graphql(small.url, '{ categories { name } }', {}, { origin });
    expect((await read('https://shop.example.com')).headers.get('access-control-allow-origin')).toBe(
      'https://shop.example.com',
    );
    expect((await read('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it("CORS by default: the router's own origin is allowed", async () => {
    const origin = new URL(routerUrl).origin;
    const response = await fetch(routerUrl, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('CSRF: a POST shaped like a simple request (text/plain, no preflight header) is refused before it runs', async () => {
    const email = `csrf-${crypto.randomUUID()}@example.com`;
    const register = `mutation { register(input: { email: "${email}", name: "Mallory", password: "a-long-password" }) { token } }`;
    const response = await fetch(routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: register }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Cross-Site Request Forgery/);

    const login = await graphql(
      routerUrl,
      `mutation { login(email: "${email}", password: "a-long-password") { token } }`,
    );
    expect(errorCodes(login)).toEqual(['UNAUTHENTICATED']);
  });
});
