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
const AUDIENCE = 'commerce-subgraphs';
const LIFETIME_SECONDS = 60;

function keyOf(secret: string) {
  return new TextEncoder().encode(secret);
}

export async function signIdentity(identity: Identity, secret: string): Promise<string> {
  const claims =
    identity.kind === 'user' ? { role: identity.role } : identity.kind === 'partner' ? { kind: 'partner' } : {};
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`);
  if (identity.kind === 'user') jwt.setSubject(identity.userId);
  if (identity.kind === 'partner') jwt.setSubject(identity.partnerId);
  return jwt.sign(keyOf(secret));
}

/** Returns the identity, or null when the header is missing, forged or expired. */
export async function verifyIdentity(token: string | undefined, secret: string): Promise<Identity | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    if (!payload.sub) return ANONYMOUS;
    if (payload.kind === 'partner') return { kind: 'partner', partnerId: payload.sub };
    if (payload.role !== 'CUSTOMER' && payload.role !== 'STAFF') return null;
    return { kind: 'user', userId: payload.sub, role: payload.role };
  } catch {
    return null;
  }
}
