import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ANONYMOUS, hashPartnerKey, IDENTITY_LIFETIME_SECONDS, signIdentity, verifyIdentity } from './identity.ts';

const secret = 's'.repeat(40);
const user = { kind: 'user' as const, userId: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10', role: 'STAFF' as const };

afterEach(() => {
  vi.useRealTimers();
});

describe('the router-signed identity header', () => {
  it('carries a user and their role', async () => {
    expect(await verifyIdentity(await signIdentity(user, secret, 'orders'), secret, 'orders')).toEqual(user);
  });

  it('carries a customer as a customer, not as staff', async () => {
    const customer = { ...user, role: 'CUSTOMER' as const };
    expect(await verifyIdentity(await signIdentity(customer, secret, 'orders'), secret, 'orders')).toEqual(customer);
  });

  it('addressed to several subgraphs (as tests do), it is good for each of them', async () => {
    const token = await signIdentity(user, secret, ['orders', 'payments']);
    expect(await verifyIdentity(token, secret, 'orders')).toEqual(user);
    expect(await verifyIdentity(token, secret, 'payments')).toEqual(user);
  });

  it('carries an anonymous caller', async () => {
    expect(await verifyIdentity(await signIdentity(ANONYMOUS, secret, 'catalog'), secret, 'catalog')).toEqual(
      ANONYMOUS,
    );
  });

  it('carries a partner, who is neither a customer nor staff', async () => {
    const partner = { kind: 'partner' as const, partnerId: '0b7c6a1e-4f7e-4d8a-9a51-2f4b9c3d1e20' };
    expect(await verifyIdentity(await signIdentity(partner, secret, 'catalog'), secret, 'catalog')).toEqual(partner);
  });

  it('is refused when missing or signed with another secret', async () => {
    expect(await verifyIdentity(undefined, secret, 'orders')).toBeNull();
    expect(await verifyIdentity(await signIdentity(user, 't'.repeat(40), 'orders'), secret, 'orders')).toBeNull();
  });

  it('is good for the subgraph it is addressed to only', async () => {
    const forOrders = await signIdentity(user, secret, 'orders');
    expect(await verifyIdentity(forOrders, secret, 'payments')).toBeNull();
    expect(await verifyIdentity(forOrders, secret, 'orders')).toEqual(user);
  });

  it(`lives ${IDENTITY_LIFETIME_SECONDS} s at most (short: it covers one request)`, async () => {
    expect(IDENTITY_LIFETIME_SECONDS).toBeLessThanOrEqual(15);
    vi.useFakeTimers({ toFake: ['Date'] });
    // A caller no earlier test signed for: a header reused from one (signed up to 5 s before) would
    // have less of its life left, and fail whenever a second ticked over in between.
    const caller = { ...user, userId: '0b3c8a55-2f0e-4c1e-9d6a-5e7f1a2b3c4d' };
    const token = await signIdentity(caller, secret, 'orders');
    vi.setSystemTime(Date.now() + (IDENTITY_LIFETIME_SECONDS - 1) * 1000);
    expect(await verifyIdentity(token, secret, 'orders')).toEqual(caller);
    vi.setSystemTime(Date.now() + 2000);
    expect(await verifyIdentity(token, secret, 'orders')).toBeNull();
  });

  it('signed long ago, or without an expiry, it is refused even when its own `exp` says otherwise', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: { iat?: number; exp?: number }) => {
      const jwt = new SignJWT({ role: 'STAFF' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('commerce-router')
        .setAudience('orders')
        .setSubject(user.userId);
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
      return jwt.sign(new TextEncoder().encode(secret));
    };
    // The router's own shape, to show the hand-made ones differ only where the test says.
    expect(await verifyIdentity(await sign({ iat: now, exp: now + 10 }), secret, 'orders')).toEqual(user);
    const old = now - IDENTITY_LIFETIME_SECONDS - 5;
    expect(await verifyIdentity(await sign({ iat: old, exp: now + 3600 }), secret, 'orders')).toBeNull();
    expect(await verifyIdentity(await sign({ iat: now }), secret, 'orders')).toBeNull();
  });

  it('well signed and fresh, it is still refused without `iat`, from another issuer or with a role no user has', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (role: string, shape: (jwt: SignJWT) => SignJWT) =>
      shape(
        new SignJWT({ role })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('commerce-router')
          .setAudience('orders')
          .setSubject(user.userId)
          .setExpirationTime(now + 10),
      ).sign(new TextEncoder().encode(secret));
    expect(await verifyIdentity(await sign('STAFF', (jwt) => jwt.setIssuedAt(now)), secret, 'orders')).toEqual(user);
    expect(await verifyIdentity(await sign('STAFF', (jwt) => jwt), secret, 'orders')).toBeNull();
    expect(
      await verifyIdentity(await sign('STAFF', (jwt) => jwt.setIssuedAt(now).setIssuer('x')), secret, 'orders'),
    ).toBeNull();
    expect(await verifyIdentity(await sign('ADMIN', (jwt) => jwt.setIssuedAt(now)), secret, 'orders')).toBeNull();
    expect(await verifyIdentity(await sign('', (jwt) => jwt.setIssuedAt(now)), secret, 'orders')).toBeNull();
  });
});

describe('partner API keys', () => {
  it('are stored and looked up as their SHA-256, in hex', () => {
    // The FIPS 180-2 test vector for "abc".
    expect(hashPartnerKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
