import { type Sql, withReads } from '@commerce/service-kit';
import { emailOf } from '../domain/message.ts';
import { type OrderOutcomeEvent, orderOutcomeMessage } from '../domain/order-outcome.ts';
import type { Recipient } from '../generated/prisma/client.ts';
import { notifyWithEmail, recipientReading } from '../repository.ts';

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
 * The recipient is read with the transaction's BEGIN and the inbox row, in one round trip.
 */
export const tellOrderOutcome = withReads<OrderOutcomeEvent, Sql, Recipient>({
  reads: (event) => recipientReading(event.data.customerId),
  apply: async (event, tx, [recipient]) => {
    if (!recipient) {
      throw new RecipientNotYetKnown(
        `customer ${event.data.customerId} of order ${event.data.orderId} is not a recipient yet (accounts.user.registered not applied); retrying`,
      );
    }
    const message = orderOutcomeMessage(event);
    await notifyWithEmail(tx, recipient, message, emailOf(message, recipient));
  },
});
