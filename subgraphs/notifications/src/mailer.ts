// The one place notifications talks SMTP (nodemailer). Sending is the outside call of the e-mail
// sender (use-cases/send-email.ts): it runs outside any transaction and may be repeated, so the
// Message-ID comes from the e-mail's id and a repeat is the same message.
import nodemailer from 'nodemailer';
import type { MailSettings } from './config.ts';
import { messageIdOf, type SmtpFailure, smtpFailureIs } from './domain/email-delivery.ts';

export type OutgoingEmail = { emailId: string; to: string; subject: string; text: string };

/**
 * A send that did not end with the server's acceptance, and whether trying again can help.
 * `message` names the server's reply (or nodemailer's failure) for the dead letter.
 */
export class SmtpSendError extends Error {
  override name = 'SmtpSendError';
  constructor(
    message: string,
    readonly kind: 'transient' | 'permanent',
    readonly failure: SmtpFailure,
  ) {
    super(message);
  }
}

export interface Mailer {
  /** Resolves once the server accepted the message; throws SmtpSendError otherwise. */
  send(email: OutgoingEmail): Promise<{ messageId: string; response: string }>;
  close(): void;
}

/**
 * Bounds on every step of one SMTP exchange (nodemailer's defaults are minutes): a server that
 * hangs fails the attempt in seconds, and the consumer retries it with backoff instead of one job
 * holding a slot of the queue.
 */
export const smtpTimeouts = {
  connectionTimeout: 5_000,
  greetingTimeout: 5_000,
  socketTimeout: 15_000,
  dnsTimeout: 5_000,
};

/**
 * Connections kept open between messages (nodemailer's pool): a message costs its MAIL, RCPT and
 * DATA, not a new connection with its greeting, EHLO (and STARTTLS). At most as many as the
 * consumer sends at once (its concurrency, app.ts). Idle ones close before servers usually drop
 * them. A connection that closes under a message (mostly one the server dropped while idle, before
 * a byte of the message went over it) hands it to a new connection once; a failure beyond that is
 * the consumer's to retry with backoff, as without the pool. A message the server refuses (4xx,
 * 5xx) fails its send as before, and its connection is reset (RSET) for the next one.
 */
export const smtpPool = {
  pool: true,
  maxConnections: 4,
  maxMessages: 100,
  idleTimeout: 30_000,
  maxRequeues: 1,
} as const;

export function createMailer(settings: MailSettings): Mailer {
  const transport = nodemailer.createTransport({ url: settings.smtpUrl, ...smtpTimeouts, ...smtpPool });
  return {
    async send(email) {
      const messageId = messageIdOf(email.emailId, settings.mailFrom);
      try {
        const info = await transport.sendMail({
          from: settings.mailFrom,
          to: email.to,
          subject: email.subject,
          text: email.text,
          messageId,
        });
        return { messageId: info.messageId, response: info.response };
      } catch (error) {
        const failure = error as Error & SmtpFailure & { response?: string };
        const kind = smtpFailureIs({ responseCode: failure.responseCode, code: failure.code });
        const reply = failure.response ?? failure.message;
        throw new SmtpSendError(
          `SMTP ${kind === 'permanent' ? 'refused it for good' : 'failed, transiently'}: ${reply} [${failure.code ?? 'no code'}${failure.responseCode ? ` ${failure.responseCode}` : ''}]`,
          kind,
          { responseCode: failure.responseCode, code: failure.code },
        );
      }
    },
    close: () => transport.close(),
  };
}
