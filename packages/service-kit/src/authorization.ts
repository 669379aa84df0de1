import { clientError } from './errors.ts';
import type { Identity, Role } from './identity.ts';

export type SignedInUser = { userId: string; role: Role };

export function requireUser(identity: Identity): SignedInUser {
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
