import { type Sql, withEffect } from '@commerce/service-kit';
import { type EmailContent, emailOf, type Message } from '../domain/message.ts';
import { type OrderOutcomeEvent, orderOutcomeMessage } from '../domain/order-outcome.ts';
import { emailIdFor } from '../email-id.ts';
import type { Recipient } from '../generated/prisma/client.ts';
import { type Mailer, SmtpSendError } from '../mailer.ts';
import { type EmailAttempt, findRecipient, notifyWithEmail } from '../repository.ts';

/**
 * Thrown while the customer of an order is not a recipient yet: their accounts.user.registered
 * is on its way (queues are not ordered across units), so the consumer retries with backoff.
 */
export class RecipientNotYetKnown extends Error {
  override name = 'RecipientNotYetKnown';
}

type Told = { recipient: Recipient; message: Message; content: EmailContent; email: EmailAttempt };

/**
 * An order ended (confirmed, rejected, cancelled, refunded): the customer is told in the app and
 * by e-mail, once per event (the consumer's inbox).
 *
 * The e-mail is sent at once, outside any transaction, under an id made from the event's (the
 * same Message-ID on every attempt); then, in the transaction that records the event, the
 * notification and the e-mail, SENT. A send that fails (the server refuses, is away or too slow:
 * its timeouts, mailer.ts) does not hold the notification back: the e-mail is written PENDING
 * with its notifications.email.requested, and this unit's e-mail sender retries it with backoff,
 * then dead-letters it, as for any e-mail. Either way it is in the database with its
 * notification, never lost; a crash after the server accepted it and before the commit sends it
 * once more on redelivery, under the same Message-ID (as the sender's own retries may).
 */
export function orderOutcomeTeller(sql: Sql, mailer: Mailer) {
  return withEffect<OrderOutcomeEvent, Sql, Told>({
    async outside(event) {
      const recipient = await findRecipient(sql, event.data.customerId);
      if (!recipient) {
        throw new RecipientNotYetKnown(
          `customer ${event.data.customerId} of order ${event.data.orderId} is not a recipient yet (accounts.user.registered not applied); retrying`,
        );
      }
      const message = orderOutcomeMessage(event);
      const content = emailOf(message, recipient);
      const email: EmailAttempt = { id: emailIdFor(event.id), sentAt: null };
      try {
        await mailer.send({ emailId: email.id, to: recipient.email, ...content });
        email.sentAt = new Date();
      } catch (error) {
        if (!(error instanceof SmtpSendError)) throw error;
      }
      return { recipient, message, content, email };
    },
    async inside(_event, tx, told) {
      await notifyWithEmail(tx, told.recipient, told.message, told.content, told.email);
    },
  });
}
