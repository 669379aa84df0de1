/** Rules for a new account. Pure: no I/O, so every rule is unit-tested on its own. */

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
export const NAME_MAX_LENGTH = 100;

// Deliberately simple: one @, something on each side, a dot in the domain, no spaces.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are compared regardless of case and surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export type Registration = { email: string; name: string; password: string };
export type RegistrationProblem = { field: 'email' | 'name' | 'password'; message: string };

export function checkRegistration(input: Registration): RegistrationProblem[] {
  const problems: RegistrationProblem[] = [];
  const email = normalizeEmail(input.email);
  if (email.length > 254 || !EMAIL_SHAPE.test(email)) {
    problems.push({ field: 'email', message: 'Enter an email address like name@example.com.' });
  }
  const name = input.name.trim();
  if (name.length === 0 || name.length > NAME_MAX_LENGTH) {
    problems.push({ field: 'name', message: `Enter a name of 1 to ${NAME_MAX_LENGTH} characters.` });
  }
  if (input.password.length < PASSWORD_MIN_LENGTH) {
    problems.push({ field: 'password', message: `Use a password of at least ${PASSWORD_MIN_LENGTH} characters.` });
  } else if (input.password.length > PASSWORD_MAX_LENGTH) {
    problems.push({ field: 'password', message: `Use a password of at most ${PASSWORD_MAX_LENGTH} characters.` });
  }
  return problems;
}
