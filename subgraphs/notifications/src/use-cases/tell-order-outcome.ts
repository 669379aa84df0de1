import type { Sql } from '@commerce/service-kit';
import { emailOf } from '../domain/message.ts';
import { type OrderOutcomeEvent, orderOutcomeMessage } from '../domain/order-outcome.ts';
import { findRecipient, notifyWithEmail } from '../repository.ts';

/**
 * Thrown while the customer of an order is not a recipient yet: their accounts.user.registered
 * is on its way (queues are not ordered across units), so the consumer retries with backoff.
 */
export class RecipientNotYetKnown extends Error {
  override name = 'RecipientNotYetKnown';
}

/**
 * An order ended (confirmed, rejected, cancelled, refunded): the customer is told in the app and
 * by e-mail. Runs in the consumer's transaction, beside the event's inbox row: once per event.
 */
export async function tellOrderOutcome(event: OrderOutcomeEvent, tx: Sql): Promise<void> {
  const recipient = await findRecipient(tx, event.data.customerId);
  if (!recipient) {
    throw new RecipientNotYetKnown(
      `customer ${event.data.customerId} of order ${event.data.orderId} is not a recipient yet (accounts.user.registered not applied); retrying`,
    );
  }
  const message = orderOutcomeMessage(event);
  await notifyWithEmail(tx, recipient, message, emailOf(message, recipient));
}
