import { randomBytes, scryptSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, parseStoredHash, verifyAgainstDecoy, verifyPassword } from './password.ts';

const PASSWORD = 'correct horse battery';
/** A key of the right length (32 bytes), so only the other parts make a stored value unusable. */
const KEY = Buffer.alloc(32, 7).toString('base64');

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
  // One hash for the tests that only read it: scrypt is slow on purpose, and the machine is shared.
  let stored: string;
  beforeAll(async () => {
    stored = await hashPassword(PASSWORD);
  });

  it('verifies the right password and refuses a wrong one, even one character off', async () => {
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery', stored)).toBe(false);
  });

  it('a password typed in its compatibility form (fullwidth) is the same password', async () => {
    const stored = await hashPassword('ｐａｓｓｗｏｒｄ-１２３');
    expect(await verifyPassword('password-123', stored)).toBe(true);
  });

  it('salts each hash: two hashes of one password differ, in salt and in key, and both verify', async () => {
    const other = await hashPassword(PASSWORD);
    expect(parseStoredHash(other)!.salt.equals(parseStoredHash(stored)!.salt)).toBe(false);
    expect(parseStoredHash(other)!.hash.equals(parseStoredHash(stored)!.hash)).toBe(false);
    expect(await verifyPassword(PASSWORD, other)).toBe(true);
  });

  it('stores the scheme, its cost, a 16-byte salt and a 32-byte key, and reads them back', () => {
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w+/=]+\$[\w+/=]+$/);
    const parsed = parseStoredHash(stored)!;
    expect(parsed.options).toEqual({ N: 32768, r: 8, p: 1 });
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
  });

  it('verifies with the cost written in the stored value, so the cost can rise without breaking old hashes', async () => {
    const salt = randomBytes(16);
    // A cheap cost keeps the test fast; what matters is that it is not the cost hashPassword writes.
    const key = scryptSync(PASSWORD, salt, 32, { N: 2 ** 10, r: 8, p: 1 });
    const older = ['scrypt', 2 ** 10, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
    expect(await verifyPassword(PASSWORD, older)).toBe(true);
    // The same salt and key claimed at another cost is another hash: it must not verify.
    expect(await verifyPassword(PASSWORD, withPart(older, 1, String(2 ** 11)))).toBe(false);
  });

  it('refuses a tampered hash: a changed key or a changed salt', async () => {
    expect(await verifyPassword(PASSWORD, withPart(stored, 5, flipFirst(stored.split('$')[5]!)))).toBe(false);
    expect(await verifyPassword(PASSWORD, withPart(stored, 4, flipFirst(stored.split('$')[4]!)))).toBe(false);
  });

  it.each([
    ['another scheme', 'md5$abc'],
    ['a cost that is not a power of two', `scrypt$1000$8$1$c2FsdA==$${KEY}`],
    ['a cost that is not a number', `scrypt$lots$8$1$c2FsdA==$${KEY}`],
    ['an absurd cost', `scrypt$${2 ** 30}$8$1$c2FsdA==$${KEY}`],
    ['an absurd block size', `scrypt$1024$4096$1$c2FsdA==$${KEY}`],
    ['no parallelism', `scrypt$1024$8$0$c2FsdA==$${KEY}`],
    ['a key of the wrong length', 'scrypt$16384$8$1$c2FsdA==$a2V5'],
    ['missing parts', 'scrypt$16384$8$1'],
    ['extra parts', 'scrypt$16384$8$1$c2FsdA==$a2V5$more'],
    ['nothing', ''],
  ])('refuses, without throwing, a stored value with %s', async (_case, stored) => {
    expect(parseStoredHash(stored)).toBeNull();
    await expect(verifyPassword(PASSWORD, stored)).resolves.toBe(false);
  });

  it('the decoy check for an unknown email does the work of a real check', async () => {
    await verifyAgainstDecoy(PASSWORD); // makes the decoy hash once
    // scrypt at N=2^15, r=8 takes tens of milliseconds on any machine, more under load, never less;
    // a decoy that skipped it would answer in well under one.
    expect(await timed(() => verifyAgainstDecoy(PASSWORD))).toBeGreaterThan(10);
  });
});

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}
