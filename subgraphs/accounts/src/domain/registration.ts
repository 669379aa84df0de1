/** Rules for a new account. Pure: no I/O, so every rule is unit-tested on its own. */

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
export const NAME_MAX_LENGTH = 100;

// Deliberately simple: one @, something on each side, a dot in the domain, no spaces.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Characters a person cannot see, which would make two addresses that look the same differ:
 * C0 and C1 controls, soft hyphen, zero-width and direction marks, word joiners and invisible
 * operators, bidi embeddings and isolates, and the byte-order mark.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/**
 * Emails are compared by their compatibility form (NFKC: a fullwidth `ａｄａ` is `ada`), regardless
 * of case and surrounding spaces, so a look-alike of an address is that address.
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** Why an email cannot be used as it was typed, or null. Only its shape counts, never an account. */
export function invisibleCharacterProblem(email: string): string | null {
  const found = INVISIBLE.exec(email);
  if (!found) return null;
  const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `The email address contains an invisible or control character (U+${code}); type it again without it.`;
}

export type Registration = { email: string; name: string; password: string };
export type RegistrationProblem = { field: 'email' | 'name' | 'password'; message: string };

export function checkRegistration(input: Registration): RegistrationProblem[] {
  const problems: RegistrationProblem[] = [];
  const email = normalizeEmail(input.email);
  const invisible = invisibleCharacterProblem(input.email);
  if (invisible) {
    problems.push({ field: 'email', message: invisible });
  } else if (email.length > 254 || !EMAIL_SHAPE.test(email)) {
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
  } else if (input.password.trim().length === 0) {
    problems.push({ field: 'password', message: 'Use a password that is not only spaces.' });
  } else if (new Set(input.password).size === 1) {
    problems.push({ field: 'password', message: 'Use a password that is not one character repeated.' });
  }
  return problems;
}
