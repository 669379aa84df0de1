import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, parseKeyRing } from '@commerce/service-kit';
import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { errorCodes, graphql } from '../../../tests/support/graphql.ts';

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
