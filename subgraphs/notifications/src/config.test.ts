import { describe, expect, it } from 'vitest';
import { configSchema } from './config.ts';

const env = {
  NOTIFICATIONS_DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/commerce_notifications',
  ROUTER_SIGNING_SECRET: 'x'.repeat(32),
  REDIS_URL: 'redis://127.0.0.1:6379',
};
const problemsOf = (given: Record<string, string | undefined>) => {
  const parsed = configSchema.safeParse(given);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
};

describe('notifications reads where e-mail goes', () => {
  it('locally, without settings: the mail sink on 127.0.0.1:4025, from the shop at localhost', () => {
    expect(configSchema.parse(env)).toMatchObject({
      smtpUrl: 'smtp://127.0.0.1:4025',
      mailFrom: 'Commerce <shop@localhost>',
    });
  });

  it('SMTP_URL and MAIL_FROM as given', () => {
    const config = configSchema.parse({
      ...env,
      SMTP_URL: 'smtps://user:secret@mail.example.com:465',
      MAIL_FROM: 'orders@example.com',
    });
    expect(config).toMatchObject({
      smtpUrl: 'smtps://user:secret@mail.example.com:465',
      mailFrom: 'orders@example.com',
    });
  });

  it.each([
    ['SMTP_URL', 'http://127.0.0.1:4025'],
    ['SMTP_URL', '127.0.0.1:4025'],
    ['MAIL_FROM', 'the shop'],
    ['MAIL_FROM', 'Commerce <shop>'],
    ['MAIL_FROM', 'a@b.c\r\nBcc: x@y.z'],
  ])('a bad %s (%j) is refused by name', (name, value) => {
    expect(problemsOf({ ...env, [name]: value })).toEqual([name]);
  });
});
