/** Rules of sending an e-mail over SMTP: its Message-ID, and what a failure means. Pure: no I/O. */

/**
 * The Message-ID of an e-mail: derived from its id alone, so every attempt to send one e-mail
 * carries the same Message-ID and a resend (after a crash between the server's acceptance and
 * our record of it) can be recognised as the same message by whoever receives it.
 */
export function messageIdOf(emailId: string, from: string): string {
  return `<${emailId}@${domainOf(from)}>`;
}

/** The domain of a sender, written `Name <user@domain>` or `user@domain`. */
export function domainOf(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).trim();
}

/** What nodemailer tells of a failure: the SMTP reply code when the server answered, its own code otherwise. */
export type SmtpFailure = { responseCode?: number; code?: string };

/**
 * Whether trying again can help. A 5xx reply is the server's refusal for good (a mailbox that does
 * not exist, a message it will not take): permanent. A 4xx reply (busy, try later) and every
 * failure to talk to the server at all (refused, reset, timed out) are transient. nodemailer's own
 * EENVELOPE/EMESSAGE without a reply code mean the message itself cannot be sent: permanent.
 */
export function smtpFailureIs(failure: SmtpFailure): 'transient' | 'permanent' {
  const reply = failure.responseCode;
  if (typeof reply === 'number' && reply >= 500 && reply < 600) return 'permanent';
  if (typeof reply === 'number' && reply >= 400 && reply < 500) return 'transient';
  if (reply === undefined && (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE')) return 'permanent';
  return 'transient';
}
