import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, type Identity, requestError, type SigningKey, verifyAccessToken } from '@commerce/service-kit';

/**
 * Who is calling, from the bearer token alone. Identity headers a client sends are never read.
 * A token that is present but forged or expired rejects the request (401), rather than quietly
 * serving it as anonymous, so a client learns it must sign in again.
 */
export async function identify(req: IncomingMessage, keys: SigningKey[]): Promise<Identity> {
  const authorization = req.headers.authorization;
  if (!authorization) return ANONYMOUS;
  const [scheme, token] = authorization.split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    throw requestError('UNAUTHENTICATED', 'Send the token as `Authorization: Bearer <token>`.');
  }
  const result = await verifyAccessToken(token, keys);
  if (!result.ok) {
    throw requestError(
      'UNAUTHENTICATED',
      result.reason === 'expired'
        ? 'Your session has expired; sign in again.'
        : 'The access token is not valid; sign in again.',
    );
  }
  return { kind: 'user', userId: result.claims.userId, role: result.claims.role };
}
