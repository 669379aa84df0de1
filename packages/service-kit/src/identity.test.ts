import { describe, expect, it } from 'vitest';
import { ANONYMOUS, signIdentity, verifyIdentity } from './identity.ts';

const secret = 's'.repeat(40);
const user = { kind: 'user' as const, userId: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10', role: 'STAFF' as const };

describe('the router-signed identity header', () => {
  it('carries a user and their role', async () => {
    expect(await verifyIdentity(await signIdentity(user, secret), secret)).toEqual(user);
  });

  it('carries an anonymous caller', async () => {
    expect(await verifyIdentity(await signIdentity(ANONYMOUS, secret), secret)).toEqual(ANONYMOUS);
  });

  it('carries a partner, who is neither a customer nor staff', async () => {
    const partner = { kind: 'partner' as const, partnerId: '0b7c6a1e-4f7e-4d8a-9a51-2f4b9c3d1e20' };
    expect(await verifyIdentity(await signIdentity(partner, secret), secret)).toEqual(partner);
  });

  it('is refused when missing or signed with another secret', async () => {
    expect(await verifyIdentity(undefined, secret)).toBeNull();
    expect(await verifyIdentity(await signIdentity(user, 't'.repeat(40)), secret)).toBeNull();
  });
});
