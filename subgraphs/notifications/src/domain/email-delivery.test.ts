import { describe, expect, it } from 'vitest';
import { domainOf, messageIdOf, smtpFailureIs } from './email-delivery.ts';

describe('sending an e-mail over SMTP', () => {
  it('the Message-ID is the e-mail’s id at the sender’s domain: every attempt carries the same one', () => {
    const id = 'c0000000-0000-4000-a000-000000000001';
    expect(messageIdOf(id, 'Commerce <shop@example.com>')).toBe(`<${id}@example.com>`);
    expect(messageIdOf(id, 'shop@localhost')).toBe(`<${id}@localhost>`);
    expect(domainOf('"Shop, Inc." <orders@mail.example.org> ')).toBe('mail.example.org');
  });

  it.each([
    [{ responseCode: 554, code: 'EENVELOPE' }, 'permanent'],
    [{ responseCode: 550, code: 'EENVELOPE' }, 'permanent'],
    [{ responseCode: 552, code: 'EMESSAGE' }, 'permanent'],
    [{ responseCode: 535, code: 'EAUTH' }, 'permanent'],
    [{ responseCode: 451, code: 'EENVELOPE' }, 'transient'],
    [{ responseCode: 421, code: 'EPROTOCOL' }, 'transient'],
    [{ code: 'ECONNECTION' }, 'transient'],
    [{ code: 'ETIMEDOUT' }, 'transient'],
    [{ code: 'ESOCKET' }, 'transient'],
    [{ code: 'EDNS' }, 'transient'],
    [{}, 'transient'],
    [{ code: 'EENVELOPE' }, 'permanent'],
    [{ code: 'EMESSAGE' }, 'permanent'],
  ] as const)('%o is %s', (failure, kind) => {
    expect(smtpFailureIs(failure)).toBe(kind);
  });
});
