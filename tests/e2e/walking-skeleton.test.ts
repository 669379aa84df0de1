import { SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { STALENESS_BOUND_MS } from '../../subgraphs/catalog/src/read-model/storefront.ts';
import { errorCodes, graphql } from '../support/graphql.ts';

// Through the router, with every process running as in production: real HTTP end to end.
const routerUrl = inject('routerUrl');
const env = inject('env');

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token user { id email role } } }`;
const ME = '{ me { id email name role } }';
const STOCK = `query($id: ID!) { product(id: $id) { id stock { available onHand } } }`;
const RESTOCK = `mutation($id: ID!, $quantity: Int!) { restock(productId: $id, quantity: $quantity) { available } }`;

async function logIn(email: string, password: string) {
  const response = await graphql<{ login: { token: string; user: { id: string } } }>(routerUrl, LOGIN, {
    email,
    password,
  });
  expect(response.body.errors).toBeUndefined();
  return response.body.data!.login;
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function firstProductId(): Promise<string> {
  const response = await graphql<{ products: { edges: Array<{ node: { id: string } }> } }>(
    routerUrl,
    '{ products(first: 1) { edges { node { id } } } }',
  );
  return response.body.data!.products.edges[0]!.node.id;
}

describe('the supergraph through the router', () => {
  it('lists products with their stock: catalog and inventory in one query', async () => {
    const response = await graphql<{
      products: {
        totalCount: number;
        edges: Array<{ node: { name: string; priceCents: number; stock: { available: number } } }>;
      };
    }>(routerUrl, '{ products(first: 3) { totalCount edges { node { name priceCents stock { available } } } } }');
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const { edges, totalCount } = response.body.data!.products;
    expect(edges).toHaveLength(3);
    expect(totalCount).toBeGreaterThanOrEqual(20);
    for (const { node } of edges) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.stock.available).toEqual(expect.any(Number));
    }
    expect(edges.some(({ node }) => node.stock.available > 0)).toBe(true);
  });

  it('a seeded customer logs in and `me` returns them', async () => {
    const { token, user } = await logIn('ada@example.com', 'customer-password');
    const response = await graphql(routerUrl, ME, {}, bearer(token));
    expect(response.body.data).toEqual({
      me: { id: user.id, email: 'ada@example.com', name: 'Ada Lovelace', role: 'CUSTOMER' },
    });
  });

  it('an anonymous `me` is null', async () => {
    expect((await graphql(routerUrl, ME)).body.data).toEqual({ me: null });
  });

  it('a forged token is UNAUTHENTICATED (401)', async () => {
    const { token } = await logIn('ada@example.com', 'customer-password');
    const [header, payload] = token.split('.');
    const promoted = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'STAFF' }),
    ).toString('base64url');
    const response = await graphql(routerUrl, ME, {}, bearer(`${header}.${promoted}.${token.split('.')[2]}`));
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.data ?? null).toBeNull();
  });

  it('an expired token is UNAUTHENTICATED, and says the session expired', async () => {
    const [kid, secret] = env.JWT_SIGNING_KEY!.split(':');
    const expired = await new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'HS256', kid: kid! })
      .setSubject(crypto.randomUUID())
      .setIssuer('commerce-accounts')
      .setAudience('commerce')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(secret));
    const response = await graphql(routerUrl, ME, {}, bearer(expired));
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors?.[0]?.message).toMatch(/expired/);
  });

  it('identity headers sent by a client are ignored', async () => {
    const { user } = await logIn('staff@example.com', 'staff-password');
    const forged = {
      'x-commerce-identity': 'anything',
      'x-user-id': user.id,
      'x-user-role': 'STAFF',
    };
    expect((await graphql(routerUrl, ME, {}, forged)).body.data).toEqual({ me: null });
    const restock = await graphql(routerUrl, RESTOCK, { id: await firstProductId(), quantity: 1 }, forged);
    expect(errorCodes(restock)).toEqual(['UNAUTHENTICATED']);
  });

  it('restock: a customer is FORBIDDEN, staff raise the available stock', async () => {
    const id = await firstProductId();
    const customer = await logIn('grace@example.com', 'customer-password');
    const refused = await graphql(routerUrl, RESTOCK, { id, quantity: 5 }, bearer(customer.token));
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);

    const staff = await logIn('staff@example.com', 'staff-password');
    const before = await graphql<{ product: { stock: { available: number } } }>(routerUrl, STOCK, { id });
    const restocked = await graphql<{ restock: { available: number } }>(
      routerUrl,
      RESTOCK,
      { id, quantity: 5 },
      bearer(staff.token),
    );
    expect(restocked.body.errors).toBeUndefined();
    // The product's availability is the storefront read model's (catalog): it follows the restock
    // within its staleness bound, not at once.
    const shown = async () =>
      (await graphql<{ product: { stock: { available: number } } }>(routerUrl, STOCK, { id })).body.data!.product.stock
        .available;
    const deadline = Date.now() + STALENESS_BOUND_MS;
    let after = await shown();
    while (after !== restocked.body.data!.restock.available && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await shown();
    }
    expect(after).toBe(before.body.data!.product.stock.available + 5);
    expect(restocked.body.data!.restock.available).toBe(after);
  });

  it('register through the router, then sign in with the new account', async () => {
    const email = `new-${crypto.randomUUID()}@example.com`;
    const register = await graphql<{ register: { token: string } }>(
      routerUrl,
      `mutation($input: RegisterInput!) { register(input: $input) { token user { email } } }`,
      { input: { email, name: 'New Customer', password: 'a-long-password' } },
    );
    expect(register.body.errors).toBeUndefined();
    const me = await graphql(routerUrl, ME, {}, bearer(register.body.data!.register.token));
    expect(me.body.data).toMatchObject({ me: { email, role: 'CUSTOMER' } });
  });

  it('a malformed query is a 400 with a code a client can act on, and no stack trace', async () => {
    const response = await graphql(routerUrl, '{ products(first: 1) { edges { node { id } } } ');
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(JSON.stringify(response.body)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });
});
