import { clientError } from '@commerce/service-kit';
import type { Db } from '../db.ts';
import { checkPartnerName } from '../domain/partner-client.ts';
import type { PartnerClient } from '../generated/prisma/client.ts';
import { newPartnerKey } from '../partner-key.ts';
import { recordPartnerClient } from '../repository.ts';

export type IssuedPartnerKey = { apiKey: string; client: PartnerClient };

/** Staff issue a partner a key. The key leaves this function once and is never stored in clear. */
export async function createPartnerClient(db: Db, name: string, staffUserId: string): Promise<IssuedPartnerKey> {
  const checked = checkPartnerName(name);
  if (!checked.ok) throw clientError('BAD_USER_INPUT', checked.message, { fields: [{ field: 'name' }] });
  const { apiKey, keyPrefix, keyHash } = newPartnerKey();
  const client = await recordPartnerClient(db, { name: checked.name, keyPrefix, keyHash, createdById: staffUserId });
  return { apiKey, client };
}
