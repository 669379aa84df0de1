import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { errorCodes, type GraphQLResponse, graphql } from '../../../tests/support/graphql.ts';
import { startRouter } from '../app.ts';
import { readConfig } from '../config.ts';
import { loadManifest } from './persisted-queries.ts';
import { sha256 } from './persisted-queries-manifest.ts';

// Partners through the running test router (real accounts, catalog, inventory over HTTP), and
// through a second router in this process where a test needs other settings.
const routerUrl = inject('routerUrl');
const env = inject('env');

const manifest = [...loadManifest().values()];
const idOf = (name: string) => manifest.find((operation) => operation.name === name)!.id;

/** A GraphQL request with any body: ids instead of queries, extensions, documentId. */
async function post<Data = Record<string, unknown>>(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}

async function logIn(email: string, password: string): Promise<string> {
  const response = await graphql<{ login: { token: string } }>(
    routerUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
    { e: email, p: password },
  );
  return response.body.data!.login.token;
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const CREATE = `mutation($name: String!) { createPartnerClient(name: $name) { apiKey client { id keyPrefix } } }`;
const REVOKE = `mutation($id: ID!) { revokePartnerClient(id: $id) { revokedAt } }`;

let staffToken: string;
async function issueKey(name = `Partner ${crypto.randomUUID()}`) {
  const response = await graphql<{
    createPartnerClient: { apiKey: string; client: { id: string; keyPrefix: string } };
  }>(routerUrl, CREATE, { name }, bearer(staffToken));
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.createPartnerClient;
}

type ProductsPage = {
  products: { totalCount: number; edges: Array<{ node: { id: string; name: string; stock: { available: number } } }> };
};

let apiKey: string;
beforeAll(async () => {
  staffToken = await logIn('staff@example.com', 'staff-password');
  apiKey = (await issueKey()).apiKey;
});

describe('partners through the router', () => {
  it('a partner key with a registered operation id gets data (products with their stock)', async () => {
    const response = await post<ProductsPage>(
      routerUrl,
      { documentId: idOf('PartnerProducts'), variables: { first: 3 } },
      { 'x-api-key': apiKey },
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const { edges, totalCount } = response.body.data!.products;
    expect(edges).toHaveLength(3);
    expect(totalCount).toBeGreaterThanOrEqual(3);
    for (const { node } of edges) expect(node.stock.available).toEqual(expect.any(Number));
  });

  it('the id may also come as an APQ hash or a `sha256:` documentId', async () => {
    const page = await post<ProductsPage>(
      routerUrl,
      { documentId: idOf('PartnerProducts'), variables: { first: 1 } },
      { 'x-api-key': apiKey },
    );
    const productId = page.body.data!.products.edges[0]!.node.id;
    const apq = await post<{ product: { id: string } }>(
      routerUrl,
      {
        variables: { id: productId },
        extensions: { persistedQuery: { version: 1, sha256Hash: idOf('PartnerProduct') } },
      },
      { 'x-api-key': apiKey },
    );
    expect(apq.body.errors).toBeUndefined();
    expect(apq.body.data?.product.id).toBe(productId);
    const prefixed = await post<{ product: { id: string } }>(
      routerUrl,
      { documentId: `sha256:${idOf('PartnerStock')}`, variables: { id: productId } },
      { 'x-api-key': apiKey },
    );
    expect(prefixed.body.data?.product.id).toBe(productId);
  });

  it('a free-form operation from a partner is PERSISTED_QUERY_NOT_IN_LIST (400) and never reaches a subgraph', async () => {
    // If this mutation reached accounts it would create the account (anyone may register).
    const email = `partner-probe-${crypto.randomUUID()}@example.com`;
    const response = await post(
      routerUrl,
      {
        query: 'mutation($input: RegisterInput!) { register(input: $input) { token } }',
        variables: { input: { email, name: 'Probe', password: 'a-long-password' } },
      },
      { 'x-api-key': apiKey },
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(response.body.data ?? null).toBeNull();
    const login = await graphql(
      routerUrl,
      'mutation($e: String!) { login(email: $e, password: "a-long-password") { token } }',
      { e: email },
    );
    expect(errorCodes(login)).toEqual(['UNAUTHENTICATED']);
  });

  it('an unknown id, or an id with a query of its own (an APQ registration), is PERSISTED_QUERY_NOT_IN_LIST', async () => {
    const unknown = await post(routerUrl, { documentId: sha256('query Nope { __typename }') }, { 'x-api-key': apiKey });
    expect(unknown.status).toBe(400);
    expect(errorCodes(unknown)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    const query = '{ me { email } }';
    const register = await post(
      routerUrl,
      { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } },
      { 'x-api-key': apiKey },
    );
    expect(register.status).toBe(400);
    expect(errorCodes(register)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    const swapped = await post(
      routerUrl,
      { documentId: idOf('PartnerProducts'), query: '{ me { email } }' },
      { 'x-api-key': apiKey },
    );
    expect(errorCodes(swapped)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });

  it('introspection from a partner is refused', async () => {
    const response = await post(routerUrl, { query: '{ __schema { types { name } } }' }, { 'x-api-key': apiKey });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });

  it('an unknown key is UNAUTHENTICATED (401), and so is a key sent with a bearer token', async () => {
    const unknown = await post(
      routerUrl,
      { documentId: idOf('PartnerProducts') },
      { 'x-api-key': `cpk_${'x'.repeat(43)}` },
    );
    expect(unknown.status).toBe(401);
    expect(errorCodes(unknown)).toEqual(['UNAUTHENTICATED']);
    const both = await post(
      routerUrl,
      { documentId: idOf('PartnerProducts') },
      { 'x-api-key': apiKey, ...bearer(staffToken) },
    );
    expect(both.status).toBe(401);
    expect(errorCodes(both)).toEqual(['UNAUTHENTICATED']);
  });

  it('first-party clients keep sending free-form queries, and may name a registered operation too', async () => {
    const free = await graphql(routerUrl, '{ products(first: 1) { totalCount } }');
    expect(free.body.errors).toBeUndefined();
    const named = await post<ProductsPage>(routerUrl, { documentId: idOf('PartnerProducts'), variables: { first: 1 } });
    expect(named.body.data?.products.edges).toHaveLength(1);
  });

  it('customers cannot issue or list partner keys; anonymous callers must sign in', async () => {
    const customer = await logIn('ada@example.com', 'customer-password');
    expect(errorCodes(await graphql(routerUrl, CREATE, { name: 'Mine' }, bearer(customer)))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(routerUrl, '{ partnerClients { id } }', {}, bearer(customer)))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await graphql(routerUrl, CREATE, { name: 'Mine' }))).toEqual(['UNAUTHENTICATED']);
  });

  it('the router-only key lookup is not part of the public schema', async () => {
    const response = await graphql(routerUrl, `{ partnerClientByKeyHash(keyHash: "${sha256(apiKey)}") { id } }`);
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('partners on a router with a short key cache and its own manifest', () => {
  let router: Awaited<ReturnType<typeof startRouter>>;
  const CACHE_SECONDS = 1;
  const introspection = 'query PartnerIntrospection {\n  __schema {\n    types {\n      name\n    }\n  }\n}';

  beforeAll(async () => {
    // A manifest that (wrongly) registers an introspection query: the router must still refuse it.
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    const path = join(dir, 'manifest.json');
    writeFileSync(
      path,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [
          ...manifest,
          { id: sha256(introspection), name: 'PartnerIntrospection', type: 'query', body: introspection },
        ],
      }),
    );
    router = await startRouter(
      readConfig({
        ...env,
        ROUTER_PORT: '0',
        LOG_LEVEL: 'silent',
        PARTNER_KEY_CACHE_SECONDS: String(CACHE_SECONDS),
        PERSISTED_QUERY_MANIFEST: path,
      }),
    );
  });
  afterAll(async () => {
    await router?.close();
  });

  it('introspection is refused for partners even when registered', async () => {
    const response = await post(router.url, { documentId: sha256(introspection) }, { 'x-api-key': apiKey });
    expect(response.status).toBe(403);
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(response.body.data ?? null).toBeNull();
  });

  it(`a revoked key stops working within the key cache time (${CACHE_SECONDS} s)`, async () => {
    const { apiKey: key, client } = await issueKey();
    const call = () => post(router.url, { documentId: idOf('PartnerProducts') }, { 'x-api-key': key });
    expect((await call()).status).toBe(200);

    const revoked = await graphql(routerUrl, REVOKE, { id: client.id }, bearer(staffToken));
    expect(revoked.body.errors).toBeUndefined();
    const deadline = Date.now() + CACHE_SECONDS * 1000 + 500;
    let last = await call();
    while (last.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await call();
    }
    expect(last.status).toBe(401);
    expect(errorCodes(last)).toEqual(['UNAUTHENTICATED']);
  });
});
