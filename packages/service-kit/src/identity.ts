import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

/**
 * Who is calling, as the router established it. Subgraphs never read identity from anything a
 * client sent: only from the router's signed header.
 */
export type Role = 'CUSTOMER' | 'STAFF';
/** A partner is a company calling with an API key: neither a customer nor staff. */
export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; role: Role }
  | { kind: 'partner'; partnerId: string };

export const ANONYMOUS: Identity = { kind: 'anonymous' };

/** Header the router sets on every subgraph request; a client's copy is dropped at the edge. */
export const IDENTITY_HEADER = 'x-commerce-identity';
export const REQUEST_ID_HEADER = 'x-request-id';
/** Header a partner sends its API key in. */
export const PARTNER_KEY_HEADER = 'x-api-key';

/** How a partner API key is stored and looked up (accounts stores it, the router looks it up). */
export function hashPartnerKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

const ISSUER = 'commerce-router';
/**
 * How long a signed identity header is good for. The router signs one per request and subgraph
 * just before calling it, so this only has to cover a request's own life (retries included); a
 * header captured on the way is worth little: one subgraph, a few seconds.
 */
export const IDENTITY_LIFETIME_SECONDS = 15;

/** The HMAC key of a secret, imported once (jose would import it again on every call). */
const keys = new Map<string, Promise<CryptoKey>>();
export function hmacKeyOf(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keys.set(secret, key);
  }
  return key;
}

/**
 * A signed header is reused for the same identity and audience for this long: every request of
 * one caller within it sends the same header (at least IDENTITY_LIFETIME_SECONDS − this left to
 * live), so the router signs, and a subgraph verifies, once per caller and few seconds rather
 * than once per request.
 */
export const IDENTITY_REUSE_SECONDS = 5;
/** Entries each token cache (these and access-token.ts's) holds before it starts afresh (a bound, not a tuning). */
export const TOKEN_CACHE_LIMIT = 10_000;

const signed = new Map<string, { token: Promise<string>; at: number }>();
const verified = new Map<string, { identity: Identity; until: number }>();

/** Who a caller is, as one string: callers with the same one have the same rights. */
export const rightsOf = (identity: Identity) =>
  identity.kind === 'user'
    ? `user:${identity.userId}:${identity.role}`
    : identity.kind === 'partner'
      ? `partner:${identity.partnerId}`
      : 'anonymous';

/**
 * The router's statement of who is calling, for `audience`: the subgraph it is sent to (its name),
 * which accepts it only when addressed to itself. Tests calling subgraphs directly may name several.
 */
export async function signIdentity(
  identity: Identity,
  secret: string,
  audience: string | readonly string[],
): Promise<string> {
  const cacheKey = `${secret}\u0000${rightsOf(identity)}\u0000${typeof audience === 'string' ? audience : audience.join(',')}`;
  const now = Date.now();
  const reused = signed.get(cacheKey);
  if (reused && now - reused.at < IDENTITY_REUSE_SECONDS * 1000) return reused.token;
  const claims =
    identity.kind === 'user' ? { role: identity.role } : identity.kind === 'partner' ? { kind: 'partner' } : {};
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(typeof audience === 'string' ? audience : [...audience])
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + IDENTITY_LIFETIME_SECONDS);
  if (identity.kind === 'user') jwt.setSubject(identity.userId);
  if (identity.kind === 'partner') jwt.setSubject(identity.partnerId);
  const token = hmacKeyOf(secret).then((key) => jwt.sign(key));
  if (signed.size >= TOKEN_CACHE_LIMIT) signed.clear();
  signed.set(cacheKey, { token, at: now });
  token.catch(() => signed.delete(cacheKey));
  return token;
}

/**
 * Returns the identity, or null when the header is missing, forged, expired, older than its
 * lifetime, or addressed to another subgraph than `audience` (the verifying subgraph's name).
 */
export async function verifyIdentity(
  token: string | undefined,
  secret: string,
  audience: string,
): Promise<Identity | null> {
  if (!token) return null;
  const cacheKey = `${secret}\u0000${audience}\u0000${token}`;
  const known = verified.get(cacheKey);
  if (known && Date.now() < known.until) return known.identity;
  try {
    const { payload } = await jwtVerify(token, await hmacKeyOf(secret), {
      issuer: ISSUER,
      audience,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: IDENTITY_LIFETIME_SECONDS,
    });
    const identity = identityOf(payload);
    if (identity) {
      // Good until it expires or outlives its lifetime, whichever is first: as jwtVerify would judge it then.
      const until = Math.min(payload.exp!, payload.iat! + IDENTITY_LIFETIME_SECONDS) * 1000;
      if (verified.size >= TOKEN_CACHE_LIMIT) verified.clear();
      verified.set(cacheKey, { identity, until });
    }
    return identity;
  } catch {
    return null;
  }
}

function identityOf(payload: { sub?: string; kind?: unknown; role?: unknown }): Identity | null {
  if (!payload.sub) return ANONYMOUS;
  if (payload.kind === 'partner') return { kind: 'partner', partnerId: payload.sub };
  if (payload.role !== 'CUSTOMER' && payload.role !== 'STAFF') return null;
  return { kind: 'user', userId: payload.sub, role: payload.role };
}
