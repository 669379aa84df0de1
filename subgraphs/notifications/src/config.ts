import { loadConfig, subgraphSettings, subgraphShape } from '@commerce/service-kit';
import { z } from 'zod';

/** An address as a mail header takes it: `user@domain` or `Name <user@domain>`. */
const mailbox = /^(?:[^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;

const schema = z
  .object({
    ...subgraphShape('notifications', 4006),
    /** Where e-mails go: smtp:// (STARTTLS when the server offers it) or smtps:// (TLS from the start). */
    SMTP_URL: z
      .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtp://127.0.0.1:4025' })
      .default('smtp://127.0.0.1:4025'),
    /** The sender of every e-mail; its domain also names the Message-IDs. */
    MAIL_FROM: z
      .string()
      .trim()
      .regex(mailbox, 'must be an address, e.g. shop@example.com or "Commerce <shop@example.com>"')
      .default('Commerce <shop@localhost>'),
  })
  .transform((env) => ({
    ...subgraphSettings('notifications', env),
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
  }));

export type NotificationsConfig = z.output<typeof schema>;
/** The settings the e-mail sender needs (also what a test builds by hand). */
export type MailSettings = Pick<NotificationsConfig, 'smtpUrl' | 'mailFrom'>;
export const readConfig = (env?: NodeJS.ProcessEnv): NotificationsConfig => loadConfig(schema, env);
export const configSchema = schema;
