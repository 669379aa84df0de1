import { describe, expect, it } from 'vitest';
import { checkRegistration, normalizeEmail } from './registration.ts';

const valid = { email: 'ada@example.com', name: 'Ada', password: 'long-enough-pw' };

describe('registration rules', () => {
  it('accepts a well-formed customer', () => {
    expect(checkRegistration(valid)).toEqual([]);
  });

  it('compares emails regardless of case and surrounding spaces', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it.each(['ada', 'ada@', '@example.com', 'ada@example', 'a da@example.com'])('rejects the email %j', (email) => {
    expect(checkRegistration({ ...valid, email }).map((p) => p.field)).toEqual(['email']);
  });

  it('rejects a password shorter than 10 characters, and says so', () => {
    const [problem] = checkRegistration({ ...valid, password: 'short' });
    expect(problem).toMatchObject({ field: 'password' });
    expect(problem?.message).toContain('10');
  });

  it('rejects a blank name', () => {
    expect(checkRegistration({ ...valid, name: '   ' }).map((p) => p.field)).toEqual(['name']);
  });

  it('reports every problem at once', () => {
    expect(checkRegistration({ email: 'x', name: '', password: '' }).map((p) => p.field)).toEqual([
      'email',
      'name',
      'password',
    ]);
  });
});
