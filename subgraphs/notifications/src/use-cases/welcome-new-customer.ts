import type { EventOf } from '@commerce/events';
import { welcomeMessage } from '../domain/welcome.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { sendNotification } from '../repository.ts';

/**
 * A customer registered (accounts.user.registered): they get a WELCOME in the app. Runs in the
 * consumer's transaction, beside the event's inbox row, so it happens once per event.
 */
export async function welcomeNewCustomer(
  event: EventOf<'accounts.user.registered'>,
  tx: Prisma.TransactionClient,
): Promise<void> {
  await sendNotification(tx, { userId: event.data.userId, channel: 'IN_APP', ...welcomeMessage(event.data.name) });
}
