import type { IncomingMessage } from 'node:http';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  ANONYMOUS,
  issueAccessToken,
  parseKeyRing,
} from '@commerce/service-kit';
import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { errorCodes, graphql } from '../../../tests/support/graphql.ts';
import { identify } from './identify.ts';

// Access tokens through the shared test router: what it accepts, and what accounts issues.
const routerUrl = inject('routerUrl');
const env = inject('env');
const ME = '{ me { email } }';

describe('access tokens at the router', () => {
  it('a validly signed token without `exp` is refused (401): it would never expire', async () => {
    const [key] = parseKeyRing(env.JWT_SIGNING_KEY!);
    const sign = (withExpiry: boolean) => {
      const jwt = new SignJWT({ role: 'STAFF' })
        .setProtectedHeader({ alg: 'HS256', kid: key!.id })
        .setSubject(crypto.randomUUID())
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setIssuedAt();
      if (withExpiry) jwt.setExpirationTime('5m');
      return jwt.sign(new TextEncoder().encode(key!.secret));
    };
    // The same token with an expiry is accepted: only the missing `exp` differs.
    const accepted = await graphql(routerUrl, ME, {}, { authorization: `Bearer ${await sign(true)}` });
    expect(errorCodes(accepted)).not.toContain('UNAUTHENTICATED');

    const refused = await graphql(routerUrl, ME, {}, { authorization: `Bearer ${await sign(false)}` });
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
  });

  it('a login token lives ACCESS_TOKEN_TTL_SECONDS (default an hour), no longer', async () => {
    const login = await graphql<{ login: { token: string } }>(
      routerUrl,
      'mutation { login(email: "ada@example.com", password: "customer-password") { token } }',
    );
    const claims = decodeJwt(login.body.data!.login.token);
    const lifetime = Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 3600);
    expect(lifetime).toBeLessThanOrEqual(3600);
    expect(claims.exp! - claims.iat!).toBe(lifetime);
    expect(claims.exp! * 1000 - Date.now()).toBeLessThanOrEqual(lifetime * 1000);
  });
});

// identify() on its own, in this process: the shared test router runs it too, but in a process of
// its own, where a mutation test cannot see it.
const key = { id: 'k1', secret: 'k'.repeat(32) };
const userId = '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10';
const sentWith = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

async function refusal(authorization: string) {
  try {
    await identify(sentWith(authorization), [key]);
  } catch (error) {
    return { code: (error as { extensions?: { code?: string } }).extensions?.code, message: (error as Error).message };
  }
  return null;
}

describe('who is calling, from the Authorization header', () => {
  it('no header: an anonymous caller', async () => {
    expect(await identify(sentWith(), [key])).toEqual(ANONYMOUS);
    expect(await identify(sentWith(''), [key])).toEqual(ANONYMOUS);
  });

  it('a valid bearer token: the user and role it names, whatever the case of "Bearer"', async () => {
    const staff = await issueAccessToken({ userId, role: 'STAFF' }, key, 60);
    expect(await identify(sentWith(`Bearer ${staff}`), [key])).toEqual({ kind: 'user', userId, role: 'STAFF' });
    const customer = await issueAccessToken({ userId, role: 'CUSTOMER' }, key, 60);
    expect(await identify(sentWith(`bearer ${customer}`), [key])).toEqual({ kind: 'user', userId, role: 'CUSTOMER' });
  });

  it('another scheme, or "Bearer" without a token, is UNAUTHENTICATED saying how to send it', async () => {
    const token = await issueAccessToken({ userId, role: 'STAFF' }, key, 60);
    for (const header of [`Basic ${token}`, 'Bearer', 'Bearer ', token]) {
      expect(await refusal(header), header).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'Send the token as `Authorization: Bearer <token>`.',
      });
    }
  });

  it('an expired token asks to sign in again; a forged one says it is not valid', async () => {
    const expired = await new SignJWT({ role: 'STAFF' })
      .setProtectedHeader({ alg: 'HS256', kid: key.id })
      .setSubject(userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(key.secret));
    expect(await refusal(`Bearer ${expired}`)).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Your session has expired; sign in again.',
    });
    const forged = await issueAccessToken({ userId, role: 'STAFF' }, { id: key.id, secret: 'f'.repeat(32) }, 60);
    expect(await refusal(`Bearer ${forged}`)).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'The access token is not valid; sign in again.',
    });
  });
});
