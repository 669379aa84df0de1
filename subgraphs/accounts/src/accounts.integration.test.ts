import { inProcessApi, type RunningUnit, runUnit } from '@commerce/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { asRouter, errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { accountsUnit } from './app.ts';
import { readConfig } from './config.ts';
import { connectDb, type Db } from './db.ts';

// The accounts subgraph in this process, over the real test database, called over real HTTP.
const env = inject('env');
let db: Db;
let subgraph: RunningUnit;
let anonymous: Record<string, string>;

beforeAll(async () => {
  const config = readConfig({ ...env, ACCOUNTS_PORT: '0', LOG_LEVEL: 'silent' });
  db = connectDb(config.databaseUrl);
  subgraph = await runUnit(accountsUnit(config, db), inProcessApi);
});
// The router's identity header lives seconds: a fresh one for each test.
beforeEach(async () => {
  anonymous = await asRouter({ kind: 'anonymous' }, env.ROUTER_SIGNING_SECRET!);
});
afterAll(async () => {
  await subgraph?.close();
  await db?.$disconnect();
});

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { token expiresAt user { id email name role } } }`;
const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token user { email } } }`;

const uniqueEmail = () => `user-${crypto.randomUUID()}@example.com`;
/** The same text in fullwidth forms (ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ): it looks alike, and NFKC folds it back. */
const fullwidth = (text: string) =>
  [...text].map((char) => String.fromCodePoint(char.codePointAt(0)! + 0xfee0)).join('');
const register = (input: Record<string, string>) => graphql(subgraph.url, REGISTER, { input }, anonymous);

describe('accounts subgraph', () => {
  it('registers a customer and signs them in', async () => {
    const email = uniqueEmail();
    const response = await register({ email, name: 'Lin', password: 'a-good-password' });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.register).toMatchObject({ user: { email, name: 'Lin', role: 'CUSTOMER' } });
    expect((await db.user.findUniqueOrThrow({ where: { email } })).passwordHash).toMatch(/^scrypt\$/);
  });

  it('an email already taken, in any case, is a CONFLICT and the first account is kept', async () => {
    const email = uniqueEmail();
    await register({ email, name: 'First', password: 'a-good-password' });
    const second = await register({ email: email.toUpperCase(), name: 'Second', password: 'another-password' });
    expect(errorCodes(second)).toEqual(['CONFLICT']);
    expect(await db.user.findMany({ where: { email } })).toMatchObject([{ name: 'First' }]);
  });

  it('a bad email and a short password are BAD_USER_INPUT, naming both fields, and write nothing', async () => {
    const response = await register({ email: 'not-an-email', name: 'X', password: 'short' });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.extensions?.fields).toMatchObject([{ field: 'email' }, { field: 'password' }]);
    expect(await db.user.count({ where: { email: 'not-an-email' } })).toBe(0);
  });

  it('logs in with the email in any case', async () => {
    const email = uniqueEmail();
    await register({ email, name: 'Kim', password: 'a-good-password' });
    const response = await graphql(
      subgraph.url,
      LOGIN,
      { email: email.toUpperCase(), password: 'a-good-password' },
      anonymous,
    );
    expect(response.body.data?.login).toMatchObject({ user: { email } });
  });

  it('a wrong password and an unknown email give the same answer', async () => {
    const email = uniqueEmail();
    await register({ email, name: 'Jo', password: 'a-good-password' });
    const wrongPassword = await graphql(subgraph.url, LOGIN, { email, password: 'not-the-password' }, anonymous);
    const unknownEmail = await graphql(
      subgraph.url,
      LOGIN,
      { email: uniqueEmail(), password: 'not-the-password' },
      anonymous,
    );
    expect(errorCodes(wrongPassword)).toEqual(['UNAUTHENTICATED']);
    expect(unknownEmail.body).toEqual(wrongPassword.body);
  });

  it('another customer cannot read a user email; staff can', async () => {
    const email = uniqueEmail();
    const created = await register({ email, name: 'Pat', password: 'a-good-password' });
    const id = (created.body.data!.register as { user: { id: string } }).user.id;
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { name email } } }`;
    const variables = { r: [{ __typename: 'User', id }] };
    const other = await asRouter(
      { kind: 'user', userId: crypto.randomUUID(), role: 'CUSTOMER' },
      env.ROUTER_SIGNING_SECRET!,
    );
    const staff = await asRouter(
      { kind: 'user', userId: crypto.randomUUID(), role: 'STAFF' },
      env.ROUTER_SIGNING_SECRET!,
    );
    expect(errorCodes(await graphql(subgraph.url, query, variables, other))).toEqual(['FORBIDDEN']);
    expect((await graphql(subgraph.url, query, variables, staff)).body.data).toEqual({
      _entities: [{ name: 'Pat', email }],
    });
  });

  it('a look-alike of a taken address (fullwidth) is a CONFLICT, and signs in to that same account', async () => {
    const email = uniqueEmail();
    const first = await register({ email, name: 'Ada', password: 'a-good-password' });
    const id = (first.body.data!.register as { user: { id: string } }).user.id;
    const lookAlike = fullwidth(email);
    expect(lookAlike).not.toBe(email);

    const second = await register({ email: lookAlike, name: 'Mallory', password: 'another-password' });
    expect(errorCodes(second)).toEqual(['CONFLICT']);
    expect(await db.user.count({ where: { name: 'Mallory', email: { in: [email, lookAlike] } } })).toBe(0);

    const login = await graphql(subgraph.url, LOGIN, { email: lookAlike, password: 'a-good-password' }, anonymous);
    expect(login.body.errors).toBeUndefined();
    expect(login.body.data?.login).toMatchObject({ user: { email } });
    expect((await db.user.findUniqueOrThrow({ where: { email } })).id).toBe(id);
  });

  it.each([
    ['a zero-width space', '\u200b', '200B'],
    ['a byte-order mark', '\ufeff', 'FEFF'],
    ['a right-to-left override', '\u202e', '202E'],
    ['a soft hyphen', '\u00ad', '00AD'],
  ])('an email with %s is BAD_USER_INPUT at register and at login, and writes nothing', async (_case, char, code) => {
    const email = uniqueEmail();
    const hidden = email.replace('@', `${char}@`);
    const message = `The email address contains an invisible or control character (U+${code}); type it again without it.`;
    const registered = await register({ email: hidden, name: 'Eve', password: 'a-good-password' });
    expect(errorCodes(registered)).toEqual(['BAD_USER_INPUT']);
    expect(registered.body.errors?.[0]?.message).toBe(message);
    expect(await db.user.count({ where: { email: { in: [email, hidden] } } })).toBe(0);

    // With the visible address registered, the hidden one still does not sign in as it.
    await register({ email, name: 'Eve', password: 'a-good-password' });
    const login = await graphql(subgraph.url, LOGIN, { email: hidden, password: 'a-good-password' }, anonymous);
    expect(errorCodes(login)).toEqual(['BAD_USER_INPUT']);
    expect(login.body.errors?.[0]?.message).toBe(message);
  });

  it.each([
    ['one character repeated', 'aaaaaaaaaaaa', 'Use a password that is not one character repeated.'],
    ['only spaces', '            ', 'Use a password that is not only spaces.'],
  ])('a password of %s is BAD_USER_INPUT saying why, and writes nothing', async (_case, password, message) => {
    const email = uniqueEmail();
    const response = await register({ email, name: 'Sam', password });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.message).toBe(message);
    expect(await db.user.count({ where: { email } })).toBe(0);
  });
});
