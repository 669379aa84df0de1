/** What the shop tells a user, and the e-mail that says it. Pure: no I/O. */

/** A notification's content: what happened (its kind) and how it reads. */
export type Message = { kind: string; title: string; body: string };

/** An e-mail's content: the notification, addressed to a person. */
export type EmailContent = { subject: string; text: string };

/** The e-mail of a notification: its title as the subject, its body greeted and signed. */
export function emailOf(message: Message, recipient: { name: string }): EmailContent {
  return {
    subject: message.title,
    text: `Hello ${recipient.name},\n\n${message.body}\n\nThe Commerce team\n`,
  };
}
