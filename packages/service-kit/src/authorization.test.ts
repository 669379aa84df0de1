import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isPartner, isStaff, requireStaff, requireUser } from './authorization.ts';
import { ANONYMOUS, type Identity } from './identity.ts';

const partner: Identity = { kind: 'partner', partnerId: '0b7c6a1e-4f7e-4d8a-9a51-2f4b9c3d1e20' };
const staff: Identity = { kind: 'user', userId: '7d0f9d4e-5a43-4a5e-9a52-3c1f2a7b9e10', role: 'STAFF' };

function codeOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as GraphQLError).extensions.code;
  }
  return 'no error';
}

describe('authorization helpers', () => {
  it('a partner is neither a user nor staff: FORBIDDEN, not asked to sign in', () => {
    expect(codeOf(() => requireUser(partner))).toBe('FORBIDDEN');
    expect(codeOf(() => requireStaff(partner))).toBe('FORBIDDEN');
    expect(isStaff(partner)).toBe(false);
    expect(isPartner(partner)).toBe(true);
  });

  it('an anonymous caller must sign in; staff pass', () => {
    expect(codeOf(() => requireUser(ANONYMOUS))).toBe('UNAUTHENTICATED');
    expect(requireStaff(staff)).toEqual({ userId: (staff as { userId: string }).userId, role: 'STAFF' });
    expect(isPartner(staff)).toBe(false);
  });
});
