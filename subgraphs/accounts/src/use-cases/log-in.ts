import { type AccessClaims, clientError } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { invisibleCharacterProblem, normalizeEmail } from '../domain/registration.ts';
import type { User } from '../generated/prisma/client.ts';
import { verifyAgainstDecoy, verifyPassword } from '../password.ts';

export type IssuedToken = { token: string; expiresAt: Date };
export type TokenIssuer = (claims: AccessClaims) => Promise<IssuedToken>;

/** Checks the credentials. A wrong email and a wrong password look the same from outside. */
export async function logIn(db: Db, email: string, password: string): Promise<User> {
  // Refused by its shape alone, before any lookup, so it tells nothing about which accounts exist.
  const invisible = invisibleCharacterProblem(email);
  if (invisible) throw clientError('BAD_USER_INPUT', invisible);
  const user = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
  const valid = user ? await verifyPassword(password, user.passwordHash) : await verifyAgainstDecoy(password);
  if (!user || !valid) throw clientError('UNAUTHENTICATED', 'The email or password is not right.');
  return user;
}
