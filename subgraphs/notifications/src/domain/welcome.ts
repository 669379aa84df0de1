/** What a new customer is told when their account opens. Pure: no I/O. */
export const WELCOME = 'WELCOME';

export function welcomeMessage(name: string): { kind: typeof WELCOME; title: string; body: string } {
  return {
    kind: WELCOME,
    title: `Welcome, ${name}!`,
    body: 'Your account is ready. Browse the catalogue and your orders will show up here.',
  };
}
