import type { EventOf } from '@commerce/events';
import { PermanentError, type Sql, withEffect } from '@commerce/service-kit';
import { type Mailer, SmtpSendError } from '../mailer.ts';
import { findEmail, markEmailSent } from '../repository.ts';

type Sent = { sent: false } | { sent: true; at: Date };

/**
 * Sends the e-mail of a notifications.email.requested over SMTP. Outside any transaction: an
 * e-mail already SENT is not sent again (a second request for it, or a redelivery after its mark);
 * otherwise it goes out under its own Message-ID. A 4xx reply or a server out of reach is retried
 * with backoff, then dead-lettered; a 5xx refusal is dead-lettered at once (staff retry it from
 * operations). With the inbox row, in the round trip that opens its transaction: the e-mail is
 * marked SENT. `sql` is the unit's pool: the outside half reads through it, holding no
 * transaction while the mail server answers.
 *
 * What remains: a crash (or a lost connection to Postgres) after the server accepted the message
 * and before the mark commits sends it once more on redelivery, under the same Message-ID.
 */
export function emailSender(sql: Sql, mailer: Mailer) {
  return withEffect<EventOf<'notifications.email.requested'>, Sql, Sent>({
    async outside(event) {
      const { emailId, to, subject, text } = event.data;
      const email = await findEmail(sql, emailId);
      if (!email) throw new PermanentError(`e-mail ${emailId} is not in notifications' emails: nothing to send`);
      if (email.status === 'SENT') return { sent: false };
      try {
        await mailer.send({ emailId, to, subject, text });
      } catch (error) {
        if (error instanceof SmtpSendError && error.kind === 'permanent') throw new PermanentError(error.message);
        throw error;
      }
      return { sent: true, at: new Date() };
    },
    // The mark, idempotent, goes with BEGIN and the inbox row: the transaction writes nothing else.
    withBegin: (event, result) => (result.sent ? markEmailSent(event.data.emailId, result.at) : undefined),
    async inside() {},
  });
}
