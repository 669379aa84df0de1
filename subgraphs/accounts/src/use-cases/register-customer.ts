import { clientError } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { checkRegistration, normalizeEmail, type Registration } from '../domain/registration.ts';
import { Prisma, type User } from '../generated/prisma/client.ts';
import { hashPassword } from '../password.ts';
import { openCustomerAccount } from '../repository.ts';

/** Opens a customer account. Staff accounts are never created through this path. */
export async function registerCustomer(db: Db, input: Registration): Promise<User> {
  const problems = checkRegistration(input);
  if (problems.length > 0) {
    throw clientError('BAD_USER_INPUT', problems.map((problem) => problem.message).join(' '), {
      fields: problems,
    });
  }
  const passwordHash = await hashPassword(input.password);
  try {
    return await openCustomerAccount(db, { email: normalizeEmail(input.email), name: input.name.trim(), passwordHash });
  } catch (error) {
    // The unique index decides, so two racing registrations cannot both win.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw clientError('CONFLICT', 'An account with this email already exists. Sign in instead.');
    }
    throw error;
  }
}
