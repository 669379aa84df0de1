import { describe, expect, it } from 'vitest';
import { checkRegistration, invisibleCharacterProblem, normalizeEmail } from './registration.ts';

const valid = { email: 'ada@example.com', name: 'Ada', password: 'long-enough-pw' };

describe('registration rules', () => {
  it('accepts a well-formed customer', () => {
    expect(checkRegistration(valid)).toEqual([]);
  });

  it('compares emails regardless of case and surrounding spaces', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
  });

  it('folds Unicode look-alikes to the address they look like (NFKC)', () => {
    expect(normalizeEmail('ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ')).toBe('ada@example.com');
    expect(normalizeEmail('\u3000ADA@example.com\u3000')).toBe('ada@example.com');
  });

  it.each([
    ['zero-width space', '\u200b'],
    ['zero-width non-joiner', '\u200c'],
    ['right-to-left mark', '\u200f'],
    ['word joiner', '\u2060'],
    ['invisible plus', '\u2064'],
    ['byte-order mark', '\ufeff'],
    ['soft hyphen', '\u00ad'],
    ['left-to-right embedding', '\u202a'],
    ['right-to-left override', '\u202e'],
    ['left-to-right isolate', '\u2066'],
    ['pop directional isolate', '\u2069'],
    ['NUL', '\u0000'],
    ['tab', '\t'],
    ['DEL', '\u007f'],
    ['C1 control', '\u0085'],
  ])('refuses an email with a %s in it, naming the character', (_name, character) => {
    const email = `a${character}da@example.com`;
    const code = character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    expect(checkRegistration({ ...valid, email })).toEqual([
      {
        field: 'email',
        message: `The email address contains an invisible or control character (U+${code}); type it again without it.`,
      },
    ]);
    expect(invisibleCharacterProblem(email)).toContain(`U+${code}`);
  });

  it('finds nothing invisible in a plain or a fullwidth address', () => {
    expect(invisibleCharacterProblem('ada@example.com')).toBeNull();
    expect(invisibleCharacterProblem('ａｄａ@example.com')).toBeNull();
  });

  it.each([
    ['one character repeated', 'aaaaaaaaaaaa', 'not one character repeated'],
    ['one emoji repeated', '🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑', 'not one character repeated'],
    ['only spaces', '            ', 'not only spaces'],
    ['only mixed whitespace', ' \t \u3000 \u00a0   \t ', 'not only spaces'],
  ])('refuses a password of %s, and says why', (_name, password, why) => {
    expect(checkRegistration({ ...valid, password })).toEqual([
      { field: 'password', message: `Use a password that is ${why}.` },
    ]);
  });

  it('accepts a password of two characters repeated', () => {
    expect(checkRegistration({ ...valid, password: 'abababababab' })).toEqual([]);
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
