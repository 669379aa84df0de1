import { describe, expect, it } from 'vitest';
import { domainOf, emailIdFor, messageIdOf, smtpFailureIs } from './email-delivery.ts';

describe('sending an e-mail over SMTP', () => {
  it('the e-mail of an event has one id, whatever the attempt: a UUID (version 5) of the event’s id', () => {
    const event = '0b9c6a1e-2f43-4d8e-9a51-7c3e2d1f0a99';
    const id = emailIdFor(event);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(emailIdFor(event)).toBe(id);
    expect(emailIdFor(event.toUpperCase())).toBe(id);
    expect(emailIdFor('0b9c6a1e-2f43-4d8e-9a51-7c3e2d1f0a98')).not.toBe(id);
    expect(id).not.toBe(event);
  });

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
