import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, parseStoredHash, verifyAgainstDecoy, verifyPassword } from './password.ts';

const PASSWORD = 'correct horse battery';

/** The stored value with one of its `$`-separated parts replaced. */
function withPart(stored: string, index: number, value: string) {
  const parts = stored.split('$');
  parts[index] = value;
  return parts.join('$');
}

/** The same base64 text with its first character changed to another valid one. */
function flipFirst(base64: string) {
  return (base64[0] === 'A' ? 'B' : 'A') + base64.slice(1);
}

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one, even one character off', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('a password typed in its compatibility form (fullwidth) is the same password', async () => {
    const stored = await hashPassword('ｐａｓｓｗｏｒｄ-１２３');
    expect(await verifyPassword('password-123', stored)).toBe(true);
  });

  it('salts each hash: two hashes of one password differ, in salt and in key, and both verify', async () => {
    const [one, two] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(parseStoredHash(one)!.salt.equals(parseStoredHash(two)!.salt)).toBe(false);
    expect(parseStoredHash(one)!.hash.equals(parseStoredHash(two)!.hash)).toBe(false);
    expect(await verifyPassword(PASSWORD, one)).toBe(true);
    expect(await verifyPassword(PASSWORD, two)).toBe(true);
  });

  it('stores the scheme, its cost, a 16-byte salt and a 32-byte key, and reads them back', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w+/=]+\$[\w+/=]+$/);
    const parsed = parseStoredHash(stored)!;
    expect(parsed.options).toEqual({ N: 32768, r: 8, p: 1 });
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
  });

  it('verifies with the cost written in the stored value, so the cost can rise without breaking old hashes', async () => {
    const salt = randomBytes(16);
    const key = scryptSync(PASSWORD, salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const older = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    expect(await verifyPassword(PASSWORD, older)).toBe(true);
    // The same salt and key claimed at another cost is another hash: it must not verify.
    expect(await verifyPassword(PASSWORD, withPart(older, 1, String(2 ** 15)))).toBe(false);
  });

  it('refuses a tampered hash: a changed key or a changed salt', async () => {
    const stored = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, withPart(stored, 5, flipFirst(stored.split('$')[5]!)))).toBe(false);
    expect(await verifyPassword(PASSWORD, withPart(stored, 4, flipFirst(stored.split('$')[4]!)))).toBe(false);
  });

  it.each([
    ['another scheme', 'md5$abc'],
    ['a cost that is not a power of two', 'scrypt$1000$8$1$c2FsdA==$a2V5'],
    ['a cost that is not a number', 'scrypt$lots$8$1$c2FsdA==$a2V5'],
    ['an absurd cost', `scrypt$${2 ** 30}$8$1$c2FsdA==$a2V5`],
    ['a key of the wrong length', 'scrypt$16384$8$1$c2FsdA==$a2V5'],
    ['missing parts', 'scrypt$16384$8$1'],
    ['extra parts', 'scrypt$16384$8$1$c2FsdA==$a2V5$more'],
    ['nothing', ''],
  ])('refuses, without throwing, a stored value with %s', async (_case, stored) => {
    expect(parseStoredHash(stored)).toBeNull();
    await expect(verifyPassword(PASSWORD, stored)).resolves.toBe(false);
  });

  it('the decoy check for an unknown email does the work of a real check', async () => {
    // Same scrypt cost as a real verification: it takes at least a good part of one (generous bound).
    const stored = await hashPassword(PASSWORD);
    await verifyAgainstDecoy(PASSWORD); // makes the decoy hash once
    const real = await timed(() => verifyPassword(PASSWORD, stored));
    const decoy = await timed(() => verifyAgainstDecoy(PASSWORD));
    expect(decoy).toBeGreaterThan(real / 5);
  });
});

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}
