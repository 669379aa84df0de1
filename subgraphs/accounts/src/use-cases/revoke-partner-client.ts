import { clientError, isUuid } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import type { PartnerClient } from '../generated/prisma/client.ts';
import { revokePartnerKey } from '../repository.ts';

/**
 * Staff revoke a partner's key for good. The first revocation's time is kept, so revoking twice
 * changes nothing. The router may honour the key until its cache entry expires (PARTNER_KEY_CACHE_SECONDS).
 */
export async function revokePartnerClient(db: Db, id: string): Promise<PartnerClient> {
  const notFound = () => clientError('NOT_FOUND', 'There is no partner client with this id.');
  if (!isUuid(id)) throw notFound();
  const client = await revokePartnerKey(db, id);
  if (!client) throw notFound();
  return client;
}
