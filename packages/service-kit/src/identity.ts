import { jwtVerify, SignJWT } from 'jose';

/**
 * Who is calling, as the router established it. Subgraphs never read identity from anything a
 * client sent: only from the router's signed header.
 */
export type Role = 'CUSTOMER' | 'STAFF';
export type Identity = { kind: 'anonymous' } | { kind: 'user'; userId: string; role: Role };

export const ANONYMOUS: Identity = { kind: 'anonymous' };

/** Header the router sets on every subgraph request; a client's copy is dropped at the edge. */
export const IDENTITY_HEADER = 'x-commerce-identity';
export const REQUEST_ID_HEADER = 'x-request-id';

const ISSUER = 'commerce-router';
const AUDIENCE = 'commerce-subgraphs';
const LIFETIME_SECONDS = 60;

function keyOf(secret: string) {
  return new TextEncoder().encode(secret);
}

export async function signIdentity(identity: Identity, secret: string): Promise<string> {
  const claims = identity.kind === 'user' ? { role: identity.role } : {};
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`);
  if (identity.kind === 'user') jwt.setSubject(identity.userId);
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
    if (payload.role !== 'CUSTOMER' && payload.role !== 'STAFF') return null;
    return { kind: 'user', userId: payload.sub, role: payload.role };
  } catch {
    return null;
  }
}
