import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt, a memory-hard function built into Node (no native addon).
 * Stored as `scrypt$N$r$p$salt$hash` so the cost can rise later without breaking old hashes.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...options, maxmem: 128 * options.N! * options.r! * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

type StoredHash = { options: ScryptOptions; salt: Buffer; hash: Buffer };

/** Reads `scrypt$N$r$p$salt$hash`; anything else, or a cost beyond what we would ever write, is null. */
export function parseStoredHash(stored: string): StoredHash | null {
  const [scheme, N, r, p, salt, hash, ...rest] = stored.split('$');
  const [cost, blockSize, parallel] = [N, r, p].map(Number) as [number, number, number];
  const sane =
    scheme === 'scrypt' &&
    rest.length === 0 &&
    Number.isInteger(Math.log2(cost)) &&
    cost >= 2 &&
    cost <= 2 ** 20 &&
    Number.isInteger(blockSize) &&
    blockSize >= 1 &&
    blockSize <= 32 &&
    Number.isInteger(parallel) &&
    parallel >= 1 &&
    parallel <= 16 &&
    !!salt &&
    !!hash;
  if (!sane) return null;
  const key = Buffer.from(hash, 'base64');
  if (key.length !== KEY_LENGTH) return null;
  return { options: { N: cost, r: blockSize, p: parallel }, salt: Buffer.from(salt, 'base64'), hash: key };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.options);
  return timingSafeEqual(actual, parsed.hash);
}

let decoyHash: Promise<string> | undefined;

/** Spends the same time as a real check, for an email that has no account (login reveals nothing). */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoyHash);
  return false;
}
