import type { EventOf } from '@commerce/events';
import type { Sql } from '@commerce/service-kit';
import { emailOf } from '../domain/message.ts';
import { welcomeMessage, welcomesSomeone } from '../domain/welcome.ts';
import { keepRecipient, notifyWithEmail } from '../repository.ts';

/**
 * A user is announced by accounts (accounts.user.registered): this unit keeps them as a
 * recipient, always; a customer who really registered (not a replay) also gets a WELCOME in the
 * app and by e-mail. Runs in the consumer's transaction, beside the event's inbox row, so it
 * happens once per event.
 */
export async function welcomeNewCustomer(event: EventOf<'accounts.user.registered'>, tx: Sql): Promise<void> {
  const { userId, email, name } = event.data;
  await keepRecipient(tx, { userId, email, name, announcedAt: new Date(event.occurredAt) });
  if (!welcomesSomeone(event.data)) return;
  const message = welcomeMessage(name);
  await notifyWithEmail(
    tx,
    { userId, email, name, updatedAt: new Date(event.occurredAt) },
    message,
    emailOf(message, { name }),
  );
}
