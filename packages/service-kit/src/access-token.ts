import { errors, jwtVerify, SignJWT } from 'jose';
import { hmacKeyOf, type Role, TOKEN_CACHE_LIMIT } from './identity.ts';

/**
 * Access tokens that accounts issues at login and the router verifies. HS256 with a key id, so
 * keys rotate: accounts signs with one key, the router accepts every key in its ring.
 */
export const ACCESS_TOKEN_ISSUER = 'commerce-accounts';
export const ACCESS_TOKEN_AUDIENCE = 'commerce';

export type SigningKey = { id: string; secret: string };
export type AccessClaims = { userId: string; role: Role };

/** Parses `id:secret,id:secret` (the form used in configuration). */
export function parseKeyRing(value: string): SigningKey[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      if (at <= 0 || at === entry.length - 1) throw new Error('each key must be written id:secret');
      return { id: entry.slice(0, at), secret: entry.slice(at + 1) };
    });
}

export async function issueAccessToken(
  claims: AccessClaims,
  key: SigningKey,
  lifetimeSeconds: number,
): Promise<string> {
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', kid: key.id })
    .setSubject(claims.userId)
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
    .sign(new TextEncoder().encode(key.secret));
}

export type VerifyResult = { ok: true; claims: AccessClaims } | { ok: false; reason: 'expired' | 'invalid' };

/**
 * Tokens this process verified, per key ring, until they expire: a client sends the same token
 * with every request, and checking its signature again (WebCrypto's HMAC) was a tenth of the
 * router's CPU. A ring is a configuration's array; a new ring (keys rotated) starts empty, so a
 * token whose key left the ring is refused at once. Only good tokens are kept; bounded.
 */
const verifiedByRing = new WeakMap<readonly SigningKey[], Map<string, { claims: AccessClaims; until: number }>>();

export async function verifyAccessToken(token: string, ring: readonly SigningKey[]): Promise<VerifyResult> {
  let verified = verifiedByRing.get(ring);
  const known = verified?.get(token);
  if (known && Date.now() < known.until) return { ok: true, claims: known.claims };
  const keys = new Map(ring.map((key) => [key.id, key.secret]));
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const secret = header.kid ? keys.get(header.kid) : undefined;
        if (!secret) throw new errors.JWSSignatureVerificationFailed('unknown key id');
        return hmacKeyOf(secret);
      },
      // A token without `exp` would never expire: refused, however well signed.
      {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
      },
    );
    const role = payload.role;
    if (!payload.sub || (role !== 'CUSTOMER' && role !== 'STAFF')) return { ok: false, reason: 'invalid' };
    const claims: AccessClaims = { userId: payload.sub, role };
    if (!verified) {
      verified = new Map();
      verifiedByRing.set(ring, verified);
    }
    if (verified.size >= TOKEN_CACHE_LIMIT) verified.clear();
    // Good while jwtVerify would find it so: until its `exp` second (no `nbf` is issued; one in the
    // future failed above and is not kept).
    verified.set(token, { claims, until: payload.exp! * 1000 });
    return { ok: true, claims };
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}
