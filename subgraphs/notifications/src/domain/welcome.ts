/** What a new customer is told when their account opens. Pure: no I/O. */
import type { Message } from './message.ts';

export const WELCOME = 'WELCOME';

export function welcomeMessage(name: string): Message & { kind: typeof WELCOME } {
  return {
    kind: WELCOME,
    title: `Welcome, ${name}!`,
    body: 'Your account is ready. Browse the catalogue and your orders will show up here.',
  };
}

/**
 * Whether a registration event welcomes anyone: a replay (`announcedAgain`) only lets copies catch
 * up with users who were welcomed long ago, or never need to be (seeded ones).
 */
export function welcomesSomeone(data: { announcedAgain?: boolean }): boolean {
  return data.announcedAgain !== true;
}
