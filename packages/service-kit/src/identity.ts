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

function keyOf(secret: string) {
  return new TextEncoder().encode(secret);
}

/**
 * The router's statement of who is calling, for `audience`: the subgraph it is sent to (its name),
 * which accepts it only when addressed to itself. Tests calling subgraphs directly may name several.
 */
export async function signIdentity(
  identity: Identity,
  secret: string,
  audience: string | readonly string[],
): Promise<string> {
  const claims =
    identity.kind === 'user' ? { role: identity.role } : identity.kind === 'partner' ? { kind: 'partner' } : {};
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(typeof audience === 'string' ? audience : [...audience])
    .setIssuedAt()
    .setExpirationTime(`${IDENTITY_LIFETIME_SECONDS}s`);
  if (identity.kind === 'user') jwt.setSubject(identity.userId);
  if (identity.kind === 'partner') jwt.setSubject(identity.partnerId);
  return jwt.sign(keyOf(secret));
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
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      issuer: ISSUER,
      audience,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: IDENTITY_LIFETIME_SECONDS,
    });
    if (!payload.sub) return ANONYMOUS;
    if (payload.kind === 'partner') return { kind: 'partner', partnerId: payload.sub };
    if (payload.role !== 'CUSTOMER' && payload.role !== 'STAFF') return null;
    return { kind: 'user', userId: payload.sub, role: payload.role };
  } catch {
    return null;
  }
}
