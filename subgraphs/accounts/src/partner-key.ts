import { randomBytes } from 'node:crypto';
import { hashPartnerKey } from '@commerce/service-kit';
import { keyPrefixOf, PARTNER_KEY_MARK } from './domain/partner-client.ts';

export type NewPartnerKey = { apiKey: string; keyPrefix: string; keyHash: string };

/**
 * A key of 32 random bytes. Guessing one is hopeless, so it is stored as a plain SHA-256: a slow,
 * salted hash (as for passwords) would add nothing but cost on every uncached lookup.
 */
export function newPartnerKey(): NewPartnerKey {
  const apiKey = `${PARTNER_KEY_MARK}${randomBytes(32).toString('base64url')}`;
  return { apiKey, keyPrefix: keyPrefixOf(apiKey), keyHash: hashPartnerKey(apiKey) };
}
