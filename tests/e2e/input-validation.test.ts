import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDb as accountsDb } from '../../subgraphs/accounts/src/db.ts';
import { type GraphQLResponse, graphql } from '../support/graphql.ts';
import { bearer } from '../support/router.ts';

// What a hostile or careless client sends as arguments, through the router: each is BAD_USER_INPUT
// with a sentence saying what is wrong, never an internal error from deep in a database query.
const env = inject('env');
const routerUrl = inject('routerUrl');
const accounts = accountsDb(env.ACCOUNTS_DATABASE_URL!);
afterAll(() => accounts.$disconnect());

let customer: Record<string, string>;
let staff: Record<string, string>;
beforeAll(async () => {
  const user = await accounts.user.create({
    data: { email: `inputs-${crypto.randomUUID()}@example.com`, name: 'Inputs', passwordHash: 'unusable' },
  });
  customer = await bearer(env, 'CUSTOMER', user.id);
  staff = await bearer(env, 'STAFF');
});

/** The only error of a response: its code and message (and no data that could have leaked). */
function onlyError(response: GraphQLResponse<unknown>) {
  expect(response.body.errors, JSON.stringify(response.body)).toHaveLength(1);
  const [error] = response.body.errors!;
  return { code: error!.extensions?.code, message: error!.message };
}

// Cursors are base64url JSON `[list, ...key]` (see service-kit pagination.ts); these are forged.
const forged = (...values: unknown[]) => Buffer.from(JSON.stringify(values)).toString('base64url');
const WHEN = '2026-01-02T03:04:05.678Z';
const ID = '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10';

const badTimeCursors = (list: string): Array<[string, string]> => [
  ['a non-UUID id', forged(list, WHEN, "x' OR 1=1 --")],
  ['the year -200000', forged(list, '-200000-01-01T00:00:00.000Z', ID)],
  ['the year +275760 (past what a date holds)', forged(list, '+275760-09-13T00:00:00.001Z', ID)],
  ['random base64', Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')],
  ['an empty string', ''],
  ['a NUL inside', forged(list, WHEN, `${ID}\u0000`)],
];

const lists: Array<{
  name: string;
  label?: string;
  query: string;
  headers: () => Record<string, string>;
  cursors: Array<[string, string]>;
}> = [
  {
    name: 'products',
    query: 'query($after: String) { products(first: 2, after: $after) { edges { cursor } } }',
    headers: () => ({}),
    cursors: [
      ['a key that is not a SKU', forged('products', 42)],
      ['a NUL in the SKU', forged('products', 'MUG\u0000')],
      ['random base64', 'q83vASNFZ4mrze8BI0VniQ'],
      ['an empty string', ''],
      ['a cursor of another list', forged('orders', WHEN, ID)],
    ],
  },
  {
    name: 'orders',
    query: 'query($after: String) { me { orders(first: 2, after: $after) { edges { cursor } } } }',
    headers: () => customer,
    cursors: badTimeCursors('orders'),
  },
  {
    name: 'orders',
    label: 'orders (staff)',
    query: 'query($after: String) { orders(status: CONFIRMED, first: 2, after: $after) { edges { cursor } } }',
    headers: () => staff,
    cursors: badTimeCursors('orders'),
  },
  {
    name: 'notifications',
    query: 'query($after: String) { me { notifications(first: 2, after: $after) { edges { cursor } } } }',
    headers: () => customer,
    cursors: badTimeCursors('notifications'),
  },
];

describe('malformed cursors are BAD_USER_INPUT', () => {
  for (const list of lists) {
    it.each(list.cursors)(`${list.label ?? list.name}: %s`, async (_case, after) => {
      const response = await graphql(routerUrl, list.query, { after }, list.headers());
      expect(onlyError(response)).toEqual({
        code: 'BAD_USER_INPUT',
        message: `\`after\` is not a cursor from this list of ${list.name}.`,
      });
    });
  }

  it('a page size out of range says the range', async () => {
    const response = await graphql(routerUrl, '{ products(first: 0) { totalCount } }');
    expect(onlyError(response)).toEqual({ code: 'BAD_USER_INPUT', message: '`first` must be between 1 and 100.' });
  });
});

const NUL = 'a\u0000b';
const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { token } }';
const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';
const PRODUCTS = 'query($search: String) { products(first: 2, search: $search) { totalCount } }';

describe('a NUL character in any string argument is BAD_USER_INPUT, refused before any resolver runs', () => {
  const good = () => ({ email: `nul-${crypto.randomUUID()}@example.com`, name: 'Nul', password: 'a-good-password' });

  it.each([
    ['products search', PRODUCTS, { search: NUL }, 'variables.search'],
    ['register name', REGISTER, { input: { ...good(), name: NUL } }, 'variables.input.name'],
    ['register email', REGISTER, { input: { ...good(), email: `a\u0000${good().email}` } }, 'variables.input.email'],
    [
      'register password',
      REGISTER,
      { input: { ...good(), password: `long-enough${NUL}` } },
      'variables.input.password',
    ],
    ['login email', LOGIN, { email: 'ada@example.com\u0000', password: 'customer-password' }, 'variables.email'],
    ['login password', LOGIN, { email: 'ada@example.com', password: 'customer-password\u0000' }, 'variables.password'],
  ])('%s', async (_case, query, variables, where) => {
    const response = await graphql(routerUrl, query, variables);
    expect(onlyError(response)).toEqual({
      code: 'BAD_USER_INPUT',
      message: `${where} contains a NUL character (U+0000), which no field accepts.`,
    });
  });

  it('written in the document as an escape, too', async () => {
    const response = await graphql(routerUrl, '{ products(first: 2, search: "mug\\u0000") { totalCount } }');
    expect(onlyError(response)).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'A string in the query contains a NUL character (U+0000), which no field accepts.',
    });
  });

  it('a registration with a NUL writes no account', async () => {
    const input = { ...good(), name: NUL };
    await graphql(routerUrl, REGISTER, { input });
    expect(await accounts.user.count({ where: { email: input.email } })).toBe(0);
  });
});
