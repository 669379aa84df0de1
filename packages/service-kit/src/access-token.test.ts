import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  issueAccessToken,
  parseKeyRing,
  verifyAccessToken,
} from './access-token.ts';

const oldKey = { id: 'old', secret: 'o'.repeat(32) };
const newKey = { id: 'new', secret: 'n'.repeat(32) };
const claims = { userId: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10', role: 'CUSTOMER' as const };

describe('access tokens', () => {
  it('a token verifies against a ring holding its key', async () => {
    const token = await issueAccessToken(claims, newKey, 60);
    expect(await verifyAccessToken(token, [newKey])).toEqual({ ok: true, claims });
  });

  it('during rotation, tokens signed with the old and the new key both verify', async () => {
    const ring = [newKey, oldKey];
    expect((await verifyAccessToken(await issueAccessToken(claims, oldKey, 60), ring)).ok).toBe(true);
    expect((await verifyAccessToken(await issueAccessToken(claims, newKey, 60), ring)).ok).toBe(true);
  });

  it('a token verified before is refused by a new ring without its key (rotation keeps no stale answer)', async () => {
    const token = await issueAccessToken(claims, oldKey, 60);
    const before = [oldKey, newKey];
    expect((await verifyAccessToken(token, before)).ok).toBe(true);
    expect(await verifyAccessToken(token, [newKey])).toEqual({ ok: false, reason: 'invalid' });
    expect((await verifyAccessToken(token, before)).ok).toBe(true);
  });

  it('a token verified before is refused as expired once its `exp` has passed', async () => {
    const token = await issueAccessToken(claims, newKey, 1);
    const ring = [newKey];
    expect(await verifyAccessToken(token, ring)).toEqual({ ok: true, claims });
    const { exp } = decodeJwt(token);
    await new Promise((resolve) => setTimeout(resolve, exp! * 1000 - Date.now() + 20));
    expect(await verifyAccessToken(token, ring)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a token signed with a key no longer in the ring is refused', async () => {
    const token = await issueAccessToken(claims, oldKey, 60);
    expect(await verifyAccessToken(token, [newKey])).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a forged token (right key id, wrong secret) is refused', async () => {
    const token = await issueAccessToken(claims, { id: 'new', secret: 'x'.repeat(32) }, 60);
    expect(await verifyAccessToken(token, [newKey])).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a token lives exactly the lifetime it was issued with', async () => {
    const { exp, iat } = decodeJwt(await issueAccessToken(claims, newKey, 300));
    expect(exp! - iat!).toBe(300);
  });

  it('a validly signed token without `exp` is refused: it would never expire', async () => {
    const token = await new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'HS256', kid: newKey.id })
      .setSubject(claims.userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt()
      .sign(new TextEncoder().encode(newKey.secret));
    expect(await verifyAccessToken(token, [newKey])).toEqual({ ok: false, reason: 'invalid' });
  });

  it('an expired token is refused as expired', async () => {
    const token = await new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'HS256', kid: newKey.id })
      .setSubject(claims.userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(newKey.secret));
    expect(await verifyAccessToken(token, [newKey])).toEqual({ ok: false, reason: 'expired' });
  });

  it('a staff token carries the STAFF role', async () => {
    const staff = { userId: claims.userId, role: 'STAFF' as const };
    expect(await verifyAccessToken(await issueAccessToken(staff, newKey, 60), [newKey])).toEqual({
      ok: true,
      claims: staff,
    });
  });

  // Signed with the ring's own key, so only the claim the case names is wrong.
  const signedWith = (payload: Record<string, unknown>, shape: (jwt: SignJWT) => SignJWT) =>
    shape(
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: newKey.id })
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setExpirationTime(Math.floor(Date.now() / 1000) + 60),
    ).sign(new TextEncoder().encode(newKey.secret));

  it.each([
    ['without a subject', { role: 'CUSTOMER' }, (jwt: SignJWT) => jwt],
    ['with an unknown role', { role: 'ADMIN' }, (jwt: SignJWT) => jwt.setSubject(claims.userId)],
    ['without a role', {}, (jwt: SignJWT) => jwt.setSubject(claims.userId)],
    ['from another issuer', { role: 'STAFF' }, (jwt: SignJWT) => jwt.setSubject(claims.userId).setIssuer('elsewhere')],
    ['for another audience', { role: 'STAFF' }, (jwt: SignJWT) => jwt.setSubject(claims.userId).setAudience('other')],
  ])('a validly signed token %s is refused as invalid', async (_case, payload, shape) => {
    expect(await verifyAccessToken(await signedWith(payload, shape), [newKey])).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('a token without a key id is refused, even when a ring key would verify it', async () => {
    const token = await new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 60)
      .sign(new TextEncoder().encode(newKey.secret));
    expect(await verifyAccessToken(token, [newKey])).toEqual({ ok: false, reason: 'invalid' });
  });

  it('parses a key ring and rejects a malformed one', () => {
    expect(parseKeyRing('a:secret1, b:secret2')).toEqual([
      { id: 'a', secret: 'secret1' },
      { id: 'b', secret: 'secret2' },
    ]);
    // Empty entries (a trailing comma, a doubled one) are skipped; a secret may hold a colon.
    expect(parseKeyRing(' a:secret1,, b:se:cret2, ')).toEqual([
      { id: 'a', secret: 'secret1' },
      { id: 'b', secret: 'se:cret2' },
    ]);
    for (const malformed of ['no-colon', ':secret', 'id:', 'a:secret1,b']) {
      expect(() => parseKeyRing(malformed), malformed).toThrow(/id:secret/);
    }
  });
});
