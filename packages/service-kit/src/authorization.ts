import { clientError } from './errors.ts';
import type { Identity, Role } from './identity.ts';

export type SignedInUser = { userId: string; role: Role };

export function requireUser(identity: Identity): SignedInUser {
  // A partner is authenticated, but as a company, not as a user of the shop.
  if (identity.kind === 'partner') throw clientError('FORBIDDEN', 'Partners may not do this; sign in as a user.');
  if (identity.kind !== 'user') throw clientError('UNAUTHENTICATED', 'Sign in to do this.');
  return { userId: identity.userId, role: identity.role };
}

export function requireStaff(identity: Identity): SignedInUser {
  const user = requireUser(identity);
  if (user.role !== 'STAFF') throw clientError('FORBIDDEN', 'Only staff may do this.');
  return user;
}

export function isStaff(identity: Identity): boolean {
  return identity.kind === 'user' && identity.role === 'STAFF';
}

export function isPartner(identity: Identity): identity is { kind: 'partner'; partnerId: string } {
  return identity.kind === 'partner';
}
