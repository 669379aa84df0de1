import { describe, expect, it } from 'vitest';
import { emailIdFor } from './email-id.ts';

describe('e-mail ids', () => {
  it('the e-mail of an event has one id, whatever the attempt: a UUID (version 5) of the event’s id', () => {
    const event = '0b9c6a1e-2f43-4d8e-9a51-7c3e2d1f0a99';
    const id = emailIdFor(event);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(emailIdFor(event)).toBe(id);
    expect(emailIdFor(event.toUpperCase())).toBe(id);
    expect(emailIdFor('0b9c6a1e-2f43-4d8e-9a51-7c3e2d1f0a98')).not.toBe(id);
    expect(id).not.toBe(event);
  });
});
